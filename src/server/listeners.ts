/**
 * The Node listeners of a server. One `http.Server` does HTTP/1.1 and one HTTP/2 server does
 * h2; neither listens itself: each port's `net` or `tls` server hands them its connections.
 * - a plain port: HTTP/1.1, and with `h2c` also HTTP/2 with prior knowledge (the connection
 *   preface decides, before anything is consumed);
 * - a TLS port: ALPN offers `h2` (unless `http2: false`) and `http/1.1`.
 * So `setPort(...ports)` and `setHTTPSPort(...ports)` share one set of protocol servers, their
 * limits and their connection tracking.
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { ServerConfig } from '../config.js';
import { SluiceError } from '../errors/index.js';

/** What the listeners hand over. */
export interface ListenerHandlers {
  onRequest(req: http.IncomingMessage, res: http.ServerResponse): void;
  onCheckContinue(req: http.IncomingMessage, res: http.ServerResponse): void;
  onClientError(err: Error, socket: net.Socket): void;
  onConnect(req: http.IncomingMessage, socket: net.Socket): void;
  onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void;
  onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void;
}

/** Where and how to listen. */
export interface ListenPlan {
  host: string | undefined;
  /** Plain ports (0 picks a free one). */
  ports: number[];
  /** TLS ports. */
  httpsPorts: number[];
  config: ServerConfig;
}

interface Port {
  server: net.Server;
  secure: boolean;
}

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * The open listeners of a running server.
 * @example const listeners = await Listeners.open(plan, handlers); listeners.port; await listeners.stopAccepting();
 */
export class Listeners {
  readonly http1: http.Server;
  readonly h2: http2.Http2Server;
  readonly #ports: Port[] = [];
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  readonly #maxConnections: number;

  private constructor(plan: ListenPlan, handlers: ListenerHandlers) {
    const c = plan.config;
    this.#maxConnections = c.maxConnections;
    const http1 = http.createServer({
      maxHeaderSize: c.maxHeaderSize,
      headersTimeout: c.headerTimeout,
      requestTimeout: c.requestTimeout,
      keepAliveTimeout: c.keepAliveTimeout,
      connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(c.headerTimeout / 4))),
    });
    http1.maxHeadersCount = c.maxHeaders + 1;
    http1.on('request', handlers.onRequest);
    http1.on('checkContinue', handlers.onCheckContinue);
    http1.on('clientError', handlers.onClientError);
    // Sluice is no proxy: CONNECT gets a complete refusal (in its turn) instead of a silent close.
    http1.on('connect', handlers.onConnect);
    // An upgrade request runs through routing like any other (r.webSocket() takes it).
    http1.on('upgrade', handlers.onUpgrade);
    // It never listens (the ports do): start its header/request timeout checks by hand.
    http1.emit('listening');
    this.http1 = http1;

    const h2 = http2.createServer({
      maxSessionMemory: c.http2MaxSessionMemory,
      // Past our own check (431, as on HTTP/1.1), nghttp2 refuses outright.
      maxHeaderListPairs: 2 * c.maxHeaders + 8,
      settings: {
        maxConcurrentStreams: c.http2MaxConcurrentStreams,
        maxHeaderListSize: c.maxHeaderSize,
        enablePush: false,
      },
    });
    h2.on('stream', handlers.onStream);
    h2.on('session', (session: http2.ServerHttp2Session) => {
      this.#sessions.add(session);
      session.on('error', () => {}); // a broken session is closed; its streams see it
      session.once('close', () => this.#sessions.delete(session));
    });
    // An idle session (no stream for keepAliveTimeout) is closed, as an idle HTTP/1.1 connection.
    h2.setTimeout(c.keepAliveTimeout, () => {});
    h2.on('timeout', () => {});
    this.h2 = h2;
  }

  /** Opens every port of the plan; rejects (closing what opened) if one cannot listen. */
  static async open(plan: ListenPlan, handlers: ListenerHandlers): Promise<Listeners> {
    const l = new Listeners(plan, handlers);
    const c = plan.config;
    try {
      for (const port of plan.ports) await l.#listen(plain(l, c), port, plan.host, false);
      if (plan.httpsPorts.length > 0) {
        if (!c.tls) throw new Error('HTTPS ports were set but no certificate (enableHTTPS or tls)');
        for (const port of plan.httpsPorts) await l.#listen(secure(l, c), port, plan.host, true);
      }
    } catch (err) {
      l.#destroy();
      throw err;
    }
    return l;
  }

  async #listen(server: net.Server, port: number, host: string | undefined, secure: boolean) {
    server.maxConnections = this.#maxConnections;
    await new Promise<void>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => reject(listenError(err, port, host));
      server.once('error', failed);
      server.listen(port, host, () => {
        server.off('error', failed);
        resolve();
      });
    });
    this.#ports.push({ server, secure });
  }

  /** The first plain port (undefined when there is none). */
  get port(): number | undefined {
    return portOf(this.#ports.find((p) => !p.secure));
  }

  /** The first TLS port (undefined when there is none). */
  get httpsPort(): number | undefined {
    return portOf(this.#ports.find((p) => p.secure));
  }

  /** Every listening port, plain then TLS, in the order they were set. */
  get ports(): { port: number; secure: boolean }[] {
    return this.#ports.map((p) => ({ port: portOf(p) ?? 0, secure: p.secure }));
  }

  /**
   * Stops accepting; idle HTTP/1.1 connections close and every HTTP/2 session gets GOAWAY (its
   * open streams may finish). Resolves once no port listens and every connection is gone.
   */
  stopAccepting(): Promise<void> {
    const closed = Promise.all(
      this.#ports.map((p) => new Promise<void>((resolve) => p.server.close(() => resolve()))),
    );
    this.http1.closeIdleConnections();
    for (const session of this.#sessions) if (!session.closed) session.close();
    return closed.then(() => undefined);
  }

  /** Closes what is left at once: every HTTP/1.1 connection, every HTTP/2 session. */
  closeAll(): void {
    this.http1.closeAllConnections();
    for (const session of this.#sessions) session.destroy();
    // Stops the HTTP/1.1 timeout checks (close() on a server that never listened only errs).
    this.http1.close(() => {});
  }

  #destroy(): void {
    for (const p of this.#ports) p.server.close();
    this.closeAll();
  }
}

/** A plain port: HTTP/1.1, and HTTP/2 with prior knowledge when h2c is on. */
function plain(l: Listeners, c: ServerConfig): net.Server {
  return net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (!c.h2c) return void l.http1.emit('connection', socket);
    // The first bytes decide; they are put back, and both protocol servers read them first.
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const n = Math.min(chunk.length, PREFACE.length);
      if (chunk.subarray(0, n).equals(PREFACE.subarray(0, n))) l.h2.emit('connection', socket);
      else {
        l.http1.emit('connection', socket);
        socket.resume();
      }
    });
  });
}

/** A TLS port: ALPN picks h2 or HTTP/1.1. */
function secure(l: Listeners, c: ServerConfig): net.Server {
  const t = c.tls!;
  const pem = (v: string | Uint8Array | undefined): string | Buffer | undefined =>
    v === undefined || typeof v === 'string' ? v : Buffer.from(v);
  const server = tls.createServer(
    {
      cert: pem(t.cert),
      key: pem(t.key),
      ca: pem(t.ca),
      passphrase: t.passphrase,
      ALPNProtocols: c.http2 ? ['h2', 'http/1.1'] : ['http/1.1'],
      handshakeTimeout: c.headerTimeout,
      allowHalfOpen: true,
    },
    (socket) => {
      socket.setNoDelay(true);
      if (socket.alpnProtocol === 'h2') l.h2.emit('connection', socket);
      else l.http1.emit('connection', socket);
    },
  );
  // A failed handshake is the client's problem: close quietly.
  server.on('tlsClientError', (_err, socket) => socket.destroy());
  return server;
}

function portOf(p: Port | undefined): number | undefined {
  const addr = p?.server.address();
  return addr && typeof addr === 'object' ? addr.port : undefined;
}

/**
 * A busy port as one line that says what to do (the raw EADDRINUSE names neither the fix nor,
 * behind a proxy of names, the port); other listen errors pass through as they are.
 */
function listenError(err: NodeJS.ErrnoException, port: number, host: string | undefined): Error {
  if (err.code !== 'EADDRINUSE') return err;
  return new SluiceError(
    'SLUICE_PORT_IN_USE',
    `${port} on ${host ?? 'every address'}; stop the process that holds it or choose a free port: s.setPort(n), or PORT=n for programs that read it (npm start, the examples)`,
    { cause: err },
  );
}
