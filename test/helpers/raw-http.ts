// Raw HTTP/1.1 over a plain socket, for tests of what a hostile or broken client can send: the
// bytes go out exactly as given, and what comes back is parsed strictly into responses.
import net from 'node:net';

/** One parsed response. `complete` is false when the connection ended inside it. */
export interface RawResponse {
  status: number;
  /** Lowercased names; repeated fields keep every value. */
  headers: Record<string, string[]>;
  body: Buffer;
  complete: boolean;
}

/** What came back on one connection. */
export interface RawExchange {
  /** Final (non-1xx) responses, in order. */
  responses: RawResponse[];
  /** Statuses of 1xx responses seen (100 Continue...). */
  informational: number[];
  /** Bytes after the last complete response that do not parse as a response. */
  garbage: Buffer;
  /** True when the server closed the connection (FIN or reset) before the deadline. */
  closed: boolean;
  /** True when the socket saw an error (ECONNRESET...). */
  reset: boolean;
  /** Milliseconds from the first byte sent to the close (or to the deadline). */
  ms: number;
  raw: Buffer;
  /** The client's port (how the server sees the connection). */
  localPort: number;
}

export interface ExchangeOptions {
  /** Give up (and destroy the socket) after this long. Default 3 000 ms. */
  timeout?: number;
  /**
   * Stop once this many final responses are complete (the connection is then destroyed by the
   * client). Default: wait for the server to close or the timeout.
   */
  responses?: number;
  /** After the awaited responses, keep listening this long for anything extra. Default 0. */
  grace?: number;
  /** Methods of the requests in order, so HEAD responses are read without a body. */
  methods?: string[];
}

/** Sends `bytes` (a Buffer, or parts written one after another) on a fresh socket. */
export function exchange(
  port: number,
  bytes: Buffer | Buffer[],
  options: ExchangeOptions = {},
): Promise<RawExchange> {
  const { timeout = 3000, responses: want, grace = 0 } = options;
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const t0 = Date.now();
    let reset = false;
    let done = false;
    let closed = false;
    let graceTimer: NodeJS.Timeout | undefined;
    let localPort = 0;
    sock.once('connect', () => (localPort = sock.localPort ?? 0));
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(graceTimer);
      const ms = Date.now() - t0;
      sock.destroy();
      const raw = Buffer.concat(chunks);
      const parsed = parseResponses(raw, options.methods);
      resolve({ ...parsed, closed, reset, ms, raw, localPort });
    };
    const deadline = setTimeout(finish, timeout);
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      if (want !== undefined && graceTimer === undefined) {
        const parsed = parseResponses(Buffer.concat(chunks), options.methods);
        const complete = parsed.responses.filter((r) => r.complete).length;
        if (complete >= want) graceTimer = setTimeout(finish, grace);
      }
    });
    sock.on('error', () => {
      reset = true;
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.setNoDelay(true);
    const parts = Array.isArray(bytes) ? bytes : [bytes];
    for (const p of parts) if (p.length > 0) sock.write(p);
  });
}

/** Parses a byte stream into HTTP/1.1 responses; what does not parse is returned as garbage. */
export function parseResponses(
  buf: Buffer,
  methods: string[] = [],
): { responses: RawResponse[]; informational: number[]; garbage: Buffer } {
  const responses: RawResponse[] = [];
  const informational: number[] = [];
  let at = 0;
  while (at < buf.length) {
    const headEnd = buf.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd === -1) break;
    const lines = buf.toString('latin1', at, headEnd).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*$/.exec(lines[0] ?? '');
    if (!m) break;
    const status = Number(m[1]);
    const headers: Record<string, string[]> = {};
    let bad = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        bad = true;
        break;
      }
      const name = line.slice(0, colon).toLowerCase();
      (headers[name] ??= []).push(line.slice(colon + 1).trim());
    }
    if (bad) break;
    let p = headEnd + 4;
    if (status < 200) {
      informational.push(status);
      at = p;
      continue;
    }
    const method = methods[responses.length];
    const te = headers['transfer-encoding']?.join(',').toLowerCase();
    const cl = headers['content-length'];
    let body: Buffer;
    let complete = true;
    if (method === 'HEAD' || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (te === 'chunked') {
      const parts: Buffer[] = [];
      complete = false;
      for (;;) {
        const lineEnd = buf.indexOf('\r\n', p, 'latin1');
        if (lineEnd === -1) break;
        const size = parseInt(buf.toString('latin1', p, lineEnd).split(';')[0] ?? '', 16);
        if (!Number.isFinite(size)) break;
        if (size === 0) {
          const end = buf.indexOf('\r\n\r\n', lineEnd, 'latin1');
          if (end === -1) break;
          p = end + 4;
          complete = true;
          break;
        }
        if (lineEnd + 2 + size + 2 > buf.length) {
          parts.push(buf.subarray(lineEnd + 2, Math.min(buf.length, lineEnd + 2 + size)));
          p = buf.length;
          break;
        }
        parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
        p = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts);
      if (!complete) p = buf.length;
    } else if (cl !== undefined) {
      const n = Number(cl[0]);
      body = buf.subarray(p, Math.min(buf.length, p + n));
      complete = body.length === n;
      p += body.length;
    } else {
      // Delimited by the close.
      body = buf.subarray(p);
      p = buf.length;
    }
    responses.push({ status, headers, body, complete });
    at = p;
  }
  return { responses, informational, garbage: buf.subarray(at) };
}

/** The value of a header in a parsed response, all fields joined with ", ". */
export function headerOf(res: RawResponse, name: string): string | undefined {
  return res.headers[name.toLowerCase()]?.join(', ');
}

/** Resolves with the socket once connected (for tests that drive a connection by hand). */
export function connectRaw(
  port: number,
  options: net.NetConnectOpts = { port },
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ ...options, port, host: '127.0.0.1' } as net.NetConnectOpts);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** Resolves when the socket closes, or rejects after `ms`. */
export function whenClosed(sock: net.Socket, ms: number): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    if (sock.destroyed) return resolve(0);
    const timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    sock.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - t0);
    });
  });
}

/** Expands the corpus's escaped-string form: one character per byte (U+0000..U+00FF). */
export function latin1Bytes(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      throw new Error(`character U+${text.charCodeAt(i).toString(16)} at ${i} is not one byte`);
    }
  }
  return Buffer.from(text, 'latin1');
}
