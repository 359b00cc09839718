/**
 * The WebSockets of one server: the `ws` library (an optional peer dependency, loaded on the
 * first upgrade), the limits (largest message, most bytes a socket may leave unsent), one shared
 * timer for pings and the slow-reader check (never a timer per socket), and the close at
 * shutdown.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { SluiceError } from '../errors/index.js';

/** The WebSocket limits (ServerConfig's values). */
export interface WebSocketLimits {
  /** Largest message a client may send, in bytes (larger: close 1009). */
  maxMessage: number;
  /** Bytes a socket may leave unsent before it is closed as a slow reader (1008). */
  maxBuffered: number;
  /** Milliseconds between pings; a socket that did not answer the last one is terminated. */
  pingInterval: number;
}

/** The close code for a socket that does not read (RFC 6455 policy violation). */
export const SLOW_READER_CLOSE = 1008;
/** The close code at server shutdown (RFC 6455 going away). */
export const SHUTDOWN_CLOSE = 1001;

interface Tracked {
  alive: boolean;
}

/**
 * Tracks the open WebSockets of a server.
 * @example const registry = new WebSocketRegistry(limits); registry.track(ws); await registry.closeAll();
 */
export class WebSocketRegistry {
  #limits: WebSocketLimits;
  #server: Promise<WebSocketServer> | undefined;
  readonly #sockets = new Map<WebSocket, Tracked>();
  readonly #protocols = new WeakMap<IncomingMessage, string | false>();
  #timer: NodeJS.Timeout | undefined;
  #lastPing = 0;

  constructor(limits: WebSocketLimits) {
    this.#limits = limits;
  }

  /** Re-reads the limits after setConfig() (sockets already open keep theirs). */
  reconfigure(limits: WebSocketLimits): void {
    this.#limits = limits;
    this.#server = undefined;
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** The `ws` server (no listener of its own), made on first use. */
  server(): Promise<WebSocketServer> {
    this.#server ??= load().then(
      ({ WebSocketServer }) =>
        new WebSocketServer({
          noServer: true,
          maxPayload: this.#limits.maxMessage,
          perMessageDeflate: false,
          clientTracking: false,
          handleProtocols: (_offered, req) => this.#protocols.get(req) ?? false,
        }),
    );
    return this.#server;
  }

  /** Picks the first protocol the client offers that the handler speaks. */
  chooseProtocol(req: IncomingMessage, speaks: string[] | undefined): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    this.#protocols.set(req, speaks?.find((p) => offered.includes(p)) ?? false);
  }

  /** Follows a new socket: pings, the slow-reader check, the close at shutdown. */
  track(ws: WebSocket): void {
    const state: Tracked = { alive: true };
    this.#sockets.set(ws, state);
    ws.on('pong', () => (state.alive = true));
    ws.on('error', () => {}); // a broken socket closes; 'close' follows
    ws.once('close', () => {
      this.#sockets.delete(ws);
      if (this.#sockets.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    });
    if (!this.#timer) {
      this.#lastPing = Date.now();
      this.#timer = setInterval(this.#sweep, Math.min(1000, this.#limits.pingInterval));
      this.#timer.unref();
    }
  }

  /**
   * True when the socket is past its unsent limit: it is then closed (1008) and terminated.
   * Writers call it before sending (the hub fan-out does), the sweep calls it for every socket.
   */
  cutIfSlow(ws: WebSocket): boolean {
    if (ws.bufferedAmount <= this.#limits.maxBuffered) return false;
    const unsent = ws.bufferedAmount;
    // A close frame it will not read, then the connection goes: the code is for a client that reads.
    ws.close(SLOW_READER_CLOSE, `slow reader: ${unsent} bytes unsent`);
    ws.terminate();
    return true;
  }

  readonly #sweep = (): void => {
    const now = Date.now();
    const ping = now - this.#lastPing >= this.#limits.pingInterval;
    if (ping) this.#lastPing = now;
    for (const [ws, state] of this.#sockets) {
      if (this.cutIfSlow(ws) || !ping) continue;
      if (!state.alive) {
        ws.terminate();
        continue;
      }
      state.alive = false;
      try {
        ws.ping();
      } catch {
        ws.terminate();
      }
    }
  };

  /** Closes every socket with 1001 and resolves once they are gone (terminated after `graceMs`). */
  closeAll(graceMs = 1000): Promise<void> {
    const all = [...this.#sockets.keys()];
    if (all.length === 0) return Promise.resolve();
    return Promise.all(
      all.map(
        (ws) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => ws.terminate(), graceMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(SHUTDOWN_CLOSE, 'server shutting down');
          }),
      ),
    ).then(() => undefined);
  }
}

/** `ws`, an optional peer dependency, loaded only when a WebSocket is opened. */
async function load(): Promise<typeof import('ws')> {
  try {
    return await import('ws');
  } catch (err) {
    throw new SluiceError('SLUICE_CONFIG', 'r.webSocket() needs the "ws" package: npm install ws', {
      cause: err,
    });
  }
}
