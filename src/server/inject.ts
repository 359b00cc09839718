/**
 * `s.inject()`: a request run in-process through Node's own HTTP parser and serializer, over an
 * in-memory duplex pair instead of a socket, so what a test sees is what a client would.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import type { ServerConfig } from '../config.js';

export interface InjectOptions {
  method?: string;
  /** Path and query, e.g. `/user/1?x=2`. */
  path?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  /** A string, bytes, or any other value (sent as JSON). */
  body?: unknown;
}

export interface InjectResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body as bytes. */
  raw: Buffer;
  /** The body parsed as JSON. */
  json<T = unknown>(): T;
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
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        client.destroy();
        serverSide.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: text,
          raw,
          json: <T>() => JSON.parse(text) as T,
        });
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
