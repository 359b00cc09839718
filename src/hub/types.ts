/**
 * The hub interface shared by every backend (`createHub` in memory, `createRedisHub` on Redis
 * Streams). One contract test suite (`test/hub-contract.ts`) is run against each.
 */

/**
 * One event as a subscriber sees it.
 * @example { id: 'k3x9a1-7', event: 'message', data: '{"text":"hi"}' }
 */
export interface HubEvent {
  /** Opaque, monotonic per topic, carries the topic's epoch; resume with it as `from`. */
  id: string;
  /** The event name, or `undefined` for an unnamed event. `sluice-reset` is reserved. */
  event: string | undefined;
  /** The published string as-is, or the JSON text of any other value (captured at publish). */
  data: string;
}

/**
 * What `publish` takes.
 * @example await hub.publish('chat', { event: 'message', data: { text: 'hi' } })
 */
export interface PublishInput {
  /** A string (sent as-is) or any JSON-serialisable value (sent as its JSON). */
  data: unknown;
  /** Optional event name; must not hold CR, LF or NUL, nor be the reserved `sluice-reset`. */
  event?: string;
}

/**
 * Options of `hub.subscribe()`.
 * @example hub.subscribe('chat', { from: lastEventId, signal: r.signal })
 */
export interface SubscribeOptions {
  /** Resume after this id (a client's `Last-Event-ID`); omitted: live events only. */
  from?: string;
  /** Aborting it ends the iterator and removes the subscriber. */
  signal?: AbortSignal;
  /**
   * Live events the iterator may hold unread (default 1024). Past it the iterator throws
   * `SLUICE_HUB_SLOW_SUBSCRIBER` after handing out what it holds; resume with the last id.
   */
  maxQueue?: number;
}

/**
 * Turns an event into the bytes one kind of transport sends: an SSE frame, a WebSocket message.
 * The hub never picks one: a sink brings its codec, and each entry memoizes its bytes per codec
 * object, so every local sink with the same codec gets the same bytes, encoded once per publish.
 * Keep one codec object per encoding (its identity is the memo's key).
 * @example const sse: HubCodec = { encode: (e) => Buffer.from(encodeEvent(e)) };
 */
export interface HubCodec {
  encode(event: HubEvent): Uint8Array;
}

/**
 * Internal fast path used by `EventStream.subscribe` (and any transport): the hub pushes each
 * event's bytes in the sink's codec. Calls are synchronous, from the hub's fan-out loop; a
 * `write` that throws detaches the sink and ends it with that error.
 */
export interface HubSink {
  /** The encoding this sink's transport sends. */
  readonly codec: HubCodec;
  /** The event's bytes, the same `Uint8Array` object for every local sink of this codec. */
  write(bytes: Uint8Array, id: string): void;
  /** The hub closed (`SLUICE_HUB_CLOSED`) or the subscriber was cut off; no write follows. */
  end(reason?: Error): void;
}

/**
 * What `attach` returns: call it to detach; `live` settles once the subscriber's replay was
 * written and live events flow (a test's cue to publish).
 */
export interface Detach {
  (): void;
  readonly live: Promise<void>;
}

/**
 * A broadcast hub: publish to a topic, subscribe with replay from history then live events,
 * with no gap and no duplicate.
 *
 * Topic names are well-formed Unicode strings of 1 to 256 UTF-8 bytes (else `SLUICE_HUB_TOPIC`
 * at publish, subscribe and attach). An event whose data text plus event name pass the hub's
 * `maxEventSize` (UTF-8 bytes, default 256 KiB) is refused at publish
 * (`SLUICE_HUB_EVENT_TOO_LARGE`, status 413), so every event in history is deliverable.
 *
 * How a `from` is honoured (ids are `<epoch>-<position>`: memory `<epoch>-<n>`, Redis
 * `<epoch>-<ms>-<seq>`). A `sluice-reset` event's id and data are the position it stands for:
 * resuming from that id continues from there.
 * - in the current epoch and within the history: the events after it, then live events;
 * - malformed, over 128 bytes or of another epoch (an older history: a restarted process, a
 *   Redis restarted without persistence, deleted keys): one `sluice-reset` at the position just
 *   before the start of the current epoch (`<epoch>-0`, Redis `<epoch>-0-0`), then every event
 *   still in the current history, then live events;
 * - in the current epoch but older than the oldest event still kept: one `sluice-reset` at the
 *   position just before the oldest kept event (the head when none is kept), then the kept
 *   history, then live events;
 * - in the current epoch but beyond its head (from the future): one `sluice-reset` carrying the
 *   head id, then live events.
 *
 * A live subscriber whose topic's history is replaced under it (Redis restarted without
 * persistence, keys deleted) gets one `sluice-reset` at the new epoch's start, then the new
 * epoch's events from its beginning. Never a duplicate, never a silent skip.
 * @example
 * const hub = createHub();
 * for await (const ev of hub.subscribe('chat', { from })) console.log(ev.id, ev.data);
 * await hub.publish('chat', { data: { text: 'hi' } });
 */
export interface Hub {
  /**
   * Publishes one event; resolves its id. Data is captured as JSON now (`SLUICE_HUB_DATA`);
   * `SLUICE_HUB_EVENT_TOO_LARGE` past `maxEventSize`, `SLUICE_HUB_TOPIC` for a bad name.
   */
  publish(topic: string, input: PublishInput): Promise<string>;
  /** Events after `from` still in history, then live ones, in order. Breaking removes it. */
  subscribe(topic: string, options?: SubscribeOptions): AsyncIterable<HubEvent>;
  /**
   * Attaches a sink and returns at once the function that detaches it (nothing is awaited, so
   * a caller can detach the moment its client leaves, whatever the broker is doing). Replayed
   * frames (or one reset frame), then live frames, are written as they become available; a
   * later failure (the hub closed, a broker error) ends the sink with its reason. Throws for a
   * closed hub (`SLUICE_HUB_CLOSED`) or a bad topic name (`SLUICE_HUB_TOPIC`).
   */
  attach(topic: string, sink: HubSink, options?: { from?: string }): Detach;
  /** Ends every subscriber (iterators finish, sinks get `SLUICE_HUB_CLOSED`), frees resources. */
  close(): Promise<void>;
}
