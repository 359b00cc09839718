/**
 * The WebSocket message of a hub event, as a pure function: one JSON text
 * `{"id":...,"event":...,"data":...}` (`data` is the event's text, as on the SSE wire: a string
 * as published, anything else as its JSON). A reset is the same shape with event `sluice-reset`.
 */

/** What a WebSocket message carries. */
export interface WebSocketEvent {
  id: string;
  event?: string | undefined;
  data: string;
}

/**
 * The message bytes in a buffer of its own (kept in a hub's history, it must not pin a pool slab).
 * @example Buffer.from(encodeWebSocketMessage({ id: 'e-1', data: 'hi' })).toString() // '{"id":"e-1","data":"hi"}'
 */
export function encodeWebSocketMessage(ev: WebSocketEvent): Uint8Array {
  const text = JSON.stringify(
    ev.event === undefined
      ? { id: ev.id, data: ev.data }
      : { id: ev.id, event: ev.event, data: ev.data },
  );
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
