/**
 * A hub topic to a WebSocket, with the guarantees of `es.subscribe`: the events after `from`
 * still in history, then live ones, no gap, no duplicate, a `sluice-reset` message when `from`
 * cannot be honoured. Each event is encoded once per publish (the same bytes for every local
 * socket) and a socket's messages of one event-loop turn leave in one write.
 */
import type { WebSocket } from 'ws';
import { encodeWebSocketMessage } from '../codec/websocket.js';
import type { Hub, HubCodec, HubSink } from '../hub/types.js';
import { scheduleFrames, type FrameTarget } from '../stream/coalescer.js';

/**
 * The WebSocket encoding of hub events: one JSON text message per event.
 * @example { "id": "k3x9a1-7", "event": "chat", "data": "{\"text\":\"hi\"}" }
 */
export const WEBSOCKET_CODEC: HubCodec = {
  encode: (e) => encodeWebSocketMessage({ id: e.id, event: e.event, data: e.data }),
};

/** Options of {@link subscribeWebSocket}. */
export interface SubscribeWebSocketOptions {
  /** Resume after this id (the last id the client saw: browsers pass it in the URL). */
  from?: string;
  /**
   * Bytes the socket may leave unsent before it is closed as a slow reader (1008). Default
   * 1 MiB (the server's `webSocketMaxBuffered` also applies, from its sweep).
   */
  maxBuffered?: number;
}

const OPEN = 1;

/**
 * Streams a hub topic to a WebSocket until the socket closes or the hub ends the subscriber
 * (then the socket is closed: 1011 with the reason, 1001 when the hub closed). Resolves then.
 * @example
 * s.get('/chat/ws', async (r) => {
 *   const ws = await r.webSocket();
 *   await subscribeWebSocket(ws, hub, 'room', { from: r.getQuery<string>('lastEventId') });
 * });
 */
export function subscribeWebSocket(
  ws: WebSocket,
  hub: Hub,
  topic: string,
  options: SubscribeWebSocketOptions = {},
): Promise<void> {
  const maxBuffered = options.maxBuffered ?? 1024 * 1024;
  return new Promise((resolve) => {
    let frames: Uint8Array[] | undefined;
    let done = false;
    let detach: (() => void) | undefined;
    const finish = (reason?: Error): void => {
      if (done) return;
      done = true;
      detach?.();
      if (reason && ws.readyState === OPEN) {
        const closed = (reason as { code?: string }).code === 'SLUICE_HUB_CLOSED';
        ws.close(closed ? 1001 : 1011, reason.message.slice(0, 120));
      }
      resolve();
    };
    const target: FrameTarget = {
      drainFrames() {
        const batch = frames;
        frames = undefined;
        if (!batch || done || ws.readyState !== OPEN) return;
        if (ws.bufferedAmount > maxBuffered) {
          // A socket that does not read: closed, as a stream is cut (its client reconnects with its id).
          ws.close(1008, `slow reader: ${ws.bufferedAmount} bytes unsent`);
          ws.terminate();
          return finish();
        }
        const socket = (ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
        socket?.cork();
        for (const bytes of batch) ws.send(bytes, { binary: false });
        socket?.uncork();
      },
    };
    const sink: HubSink = {
      codec: WEBSOCKET_CODEC,
      write(bytes) {
        if ((frames ??= []).push(bytes) === 1) scheduleFrames(target);
      },
      end: (reason) => finish(reason),
    };
    ws.once('close', () => finish());
    try {
      detach = hub.attach(topic, sink, options.from ? { from: options.from } : {});
    } catch (err) {
      finish(err as Error);
    }
  });
}
