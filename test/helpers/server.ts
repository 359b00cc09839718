// Test helpers for the Sluice server: a real server on an ephemeral port, shut down after the test.
import { after } from 'node:test';
import net from 'node:net';
import { Server, type ServerOptions } from '../../src/index.js';
import type { Logger } from '../../src/logger.js';

/** A started server on 127.0.0.1:0; `define` binds routes before it starts. */
export async function startServer(
  define: (s: Server) => void,
  options: ServerOptions = {},
): Promise<{ s: Server; url: string }> {
  const s = new Server({ logger: silentLogger(), ...options });
  s.setAddress('127.0.0.1:0');
  define(s);
  await s.start();
  after(() => s.shutdown({ timeout: 500 }));
  return { s, url: `http://127.0.0.1:${s.port}` };
}

export interface LogRecord {
  level: string;
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps records in memory (for asserting what was logged). */
export function memoryLogger(
  records: LogRecord[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { records: LogRecord[] } {
  const at =
    (level: string) =>
    (a: object | string, msg?: string): void => {
      if (typeof a === 'string') records.push({ level, obj: { ...bindings }, msg: a });
      else records.push({ level, obj: { ...bindings, ...(a as Record<string, unknown>) }, msg });
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(records, { ...bindings, ...more }),
  };
}

export function silentLogger(): Logger {
  return memoryLogger();
}

/** Sends raw bytes on a fresh socket and collects everything until the server closes or `ms` passes. */
export function rawRequest(port: number, bytes: string | Buffer, ms = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(), ms);
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.write(bytes);
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` is true, polling, or fails after `ms`. */
export async function waitFor(check: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Reads a fetch body to its end and says how it ended: `complete` is false when the connection
 * was cut before the body's framing ended (a truncated body must never look complete).
 */
export async function readBody(res: Response): Promise<{ text: string; complete: boolean }> {
  const chunks: Uint8Array[] = [];
  let complete = true;
  const reader = res.body?.getReader();
  try {
    for (;;) {
      const step = await reader?.read();
      if (!step || step.done) break;
      chunks.push(step.value);
    }
  } catch {
    complete = false;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete };
}

/** The Node socket a request arrived on (through `r.native`, the transport's own objects). */
export function socketOf(r: { native: unknown }): net.Socket {
  return (r.native as { req: { socket: net.Socket } }).req.socket;
}

/**
 * True when `obj` inherits nothing: no `Object.prototype` anywhere on its prototype chain (a
 * null-prototype object, or an instance of a class whose prototype has a null prototype).
 * @example assert.ok(inheritsNothing(Object.create(null)))
 */
export function inheritsNothing(obj: object): boolean {
  for (
    let p = Object.getPrototypeOf(obj) as object | null;
    p !== null;
    p = Object.getPrototypeOf(p) as object | null
  ) {
    if (p === Object.prototype) return false;
  }
  return true;
}
