/**
 * The logger Sluice writes to: the subset of pino's interface it uses, so a pino logger (or
 * anything shaped like it) can be passed as `setConfig({ logger })`.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

/**
 * The logger Sluice writes to: pino's shape (`debug`, `info`, `warn`, `error`, `child`), so a
 * pino logger is one as it is.
 * @example new Server({ logger: pino() })
 */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * The default logger: JSON lines on stderr at `warn` and above (info with SLUICE_LOG=info).
 * Errors are serialised with their name, message, code and stack.
 */
export function createDefaultLogger(
  bindings: Record<string, unknown> = {},
  minLevel: number = LEVELS[(process.env.SLUICE_LOG as Level) ?? 'warn'] ?? 40,
): Logger {
  const emit =
    (level: Level): LogFn =>
    (a: object | string, msg?: string) => {
      if (LEVELS[level] < minLevel) return;
      const record: Record<string, unknown> = { level, time: Date.now(), ...bindings };
      if (typeof a === 'string') record.msg = a;
      else {
        for (const [k, v] of Object.entries(a))
          record[k] = v instanceof Error ? serialiseError(v) : v;
        if (msg !== undefined) record.msg = msg;
      }
      let line: string;
      try {
        line = JSON.stringify(record);
      } catch {
        // A field JSON cannot hold (a cycle, a BigInt): keep the line, drop the fields.
        line = JSON.stringify({ level, time: record.time, msg: record.msg, unserialisable: true });
      }
      process.stderr.write(line + '\n');
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createDefaultLogger({ ...bindings, ...more }, minLevel),
  };
}

function serialiseError(err: Error): Record<string, unknown> {
  return {
    type: err.name,
    message: err.message,
    code: (err as { code?: unknown }).code,
    stack: err.stack,
  };
}

const GUARDED = Symbol('sluice.guardedLogger');
let reportedFailure = false;

/**
 * Wraps a user's logger so that a logger which throws can never take a request, a listener or
 * the process down with it: Sluice logs from socket listeners and timers, where an exception
 * would be uncaught. The first failure is reported once on stderr.
 * @example const log = guardLogger(pino()); log.info({ a: 1 }, 'never throws');
 */
export function guardLogger(logger: Logger): Logger {
  if ((logger as { [GUARDED]?: boolean })[GUARDED]) return logger;
  const call =
    (level: Level): LogFn =>
    (a: object | string, msg?: string) => {
      try {
        if (msg === undefined) logger[level](a as object);
        else logger[level](a as object, msg);
      } catch (err) {
        reportLoggerFailure(err);
      }
    };
  return {
    [GUARDED]: true,
    debug: call('debug'),
    info: call('info'),
    warn: call('warn'),
    error: call('error'),
    child: (bindings) => {
      try {
        return guardLogger(logger.child(bindings));
      } catch (err) {
        reportLoggerFailure(err);
        return guardLogger(logger);
      }
    },
  } as Logger;
}

function reportLoggerFailure(err: unknown): void {
  if (reportedFailure) return;
  reportedFailure = true;
  try {
    process.stderr.write(
      `sluice: the configured logger threw (${String((err as Error)?.message ?? err)}); its failures are ignored from now on\n`,
    );
  } catch {
    // stderr itself failed: nothing left to tell.
  }
}
