/**
 * `s.inject()`: a request run in-process through Node's own HTTP parser and serializer, over an
 * in-memory duplex pair instead of a socket, so what a test sees is what a client would. It
 * resolves at commit, so a stream is read as it is sent.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import type { ServerConfig } from '../config.js';

/**
 * The request `s.inject()` sends through Node's own HTTP parser, in-process.
 * @example const res = await s.inject({ method: 'POST', path: '/echo', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
 */
export interface InjectOptions {
  method?: string;
  /** Path and query, e.g. `/user/1?x=2`. */
  path?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  /** A string, bytes, or any other value (sent as JSON). */
  body?: unknown;
}

/**
 * What `s.inject()` resolves with, at commit: status and headers at once, the body as it
 * arrives. Read it whole (`text()`, `json()`, `bytes()`) or piece by piece (`for await ... of
 * res.body`), which is how an endless SSE route is tested in-process; `close()` is the client
 * leaving (the handler's signal aborts).
 * @example
 * const res = await s.inject({ path: '/ticks', headers: { accept: 'text/event-stream' } });
 * for await (const chunk of res.body) { if (seen(chunk)) break; }
 * res.close();
 */
export interface InjectResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body's bytes as they arrive; it ends with the response (and throws if it was cut). */
  body: AsyncIterable<Uint8Array>;
  /** The whole body (waits for its end). */
  bytes(): Promise<Buffer>;
  /** The whole body as UTF-8 text. */
  text(): Promise<string>;
  /** The whole body parsed as JSON. */
  json<T = unknown>(): Promise<T>;
  /** Ends the exchange from the client's side (leaving a stream). */
  close(): void;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export async function injectRequest(
  onRequest: Listener,
  onCheckContinue: Listener,
  config: ServerConfig,
  options: InjectOptions,
): Promise<InjectResponse> {
  const server = http.createServer({ maxHeaderSize: config.maxHeaderSize });
  server.maxHeadersCount = config.maxHeaders + 1;
  server.on('request', onRequest);
  server.on('checkContinue', onCheckContinue);
  const [client, serverSide] = duplexPair();
  server.emit('connection', serverSide);

  const headers: Record<string, string | string[]> = { ...(options.headers ?? {}) };
  let body: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string') body = Buffer.from(options.body);
    else if (options.body instanceof Uint8Array) body = Buffer.from(options.body);
    else {
      body = Buffer.from(JSON.stringify(options.body));
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
        headers['content-type'] = 'application/json';
      }
    }
  }
  return new Promise<InjectResponse>((resolve, reject) => {
    const req = http.request({
      method: options.method ?? 'GET',
      path: options.path ?? options.url ?? '/',
      headers: { host: 'localhost', ...headers },
      createConnection: () => client as unknown as import('node:net').Socket,
    });
    req.on('error', reject);
    const close = (): void => {
      client.destroy();
      serverSide.destroy();
    };
    req.on('response', (res) => {
      let whole: Promise<Buffer> | undefined;
      const bytes = (): Promise<Buffer> =>
        (whole ??= (async () => {
          const chunks: Buffer[] = [];
          for await (const c of res) chunks.push(c as Buffer);
          close();
          return Buffer.concat(chunks);
        })());
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: res,
        bytes,
        text: async () => (await bytes()).toString('utf8'),
        json: async <T>() => JSON.parse((await bytes()).toString('utf8')) as T,
        close,
      });
    });
    req.end(body);
  });
}

/** Two connected in-memory duplex streams: what one writes, the other reads. */
function duplexPair(): [Duplex, Duplex] {
  const pair: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk, _enc, cb) {
        peer().push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb(err);
      },
    });
  const a = make(() => pair[1]!);
  const b = make(() => pair[0]!);
  pair.push(a, b);
  // Node's HTTP server reads a few socket-only properties; give them harmless values.
  for (const d of [a, b] as Array<Duplex & Record<string, unknown>>) {
    d.remoteAddress = '127.0.0.1';
    d.remotePort = 0;
    d.setTimeout = () => d;
    d.setNoDelay = () => d;
    d.setKeepAlive = () => d;
    d.ref = () => d;
    d.unref = () => d;
  }
  return [a, b];
}
