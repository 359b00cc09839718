/**
 * The logger Sluice writes to: the subset of pino's interface it uses, so a pino logger (or
 * anything shaped like it) can be passed as `setConfig({ logger })`.
 */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

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
      process.stderr.write(JSON.stringify(record) + '\n');
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
