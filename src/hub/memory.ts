/**
 * The embedded hub: per-topic history in a ring bounded by count and bytes, synchronous
 * fan-out of frames encoded once per publish.
 */
import { SluiceError } from '../errors.js';
import {
  assertTopic,
  captureInput,
  DEFAULT_MAX_EVENT_SIZE,
  makeEntry,
  makeResetEntry,
  positiveOption,
  type Entry,
} from './entry.js';
import { newEpoch, parseId } from './event-id.js';
import { QueueSubscriber, SinkSubscriber, type Subscriber } from './subscriber.js';
import type { Hub, HubEvent, HubSink, PublishInput, SubscribeOptions } from './types.js';

/**
 * Options of `createHub`.
 * @example createHub({ history: { maxEvents: 500, maxBytes: 256 * 1024 }, maxTopics: 1000 })
 */
export interface MemoryHubOptions {
  history?: {
    /** Events kept per topic for replay (default 1000; 0 keeps none). */
    maxEvents?: number;
    /** Bytes kept per topic, counted as encoded frame plus data text (default 1 MiB). */
    maxBytes?: number;
  };
  /**
   * Topics held at once (default 10,000). A topic exists while it has subscribers or history.
   * When a new topic would pass the bound, the topic published least recently that has no
   * subscribers is dropped with its history (its old ids then get `sluice-reset`); when every
   * topic has subscribers, the publish or subscribe fails with `SLUICE_HUB_TOPICS`.
   */
  maxTopics?: number;
  /** Default bound of the `subscribe()` iterator's queue of unread live events (default 1024). */
  maxQueue?: number;
  /**
   * Largest event `publish` accepts, in UTF-8 bytes of the captured data text plus the event
   * name (default 256 KiB). A larger one is refused with `SLUICE_HUB_EVENT_TOO_LARGE` (413), so
   * every event kept in history can be delivered.
   */
  maxEventSize?: number;
}

interface Stored {
  entry: Entry;
  bytes: number;
}

class Topic {
  readonly epoch = newEpoch();
  /** Sequence number of the last event (0: none yet). */
  seq = 0;
  /** History, oldest first from `start`; compacted now and then. */
  ring: Stored[] = [];
  start = 0;
  bytes = 0;
  readonly subs = new Set<Subscriber>();

  get headId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  get size(): number {
    return this.ring.length - this.start;
  }

  /** Sequence number of the oldest kept event (`seq + 1` when none is kept). */
  get firstSeq(): number {
    return this.size > 0 ? this.ring[this.start]!.entry.hi : this.seq + 1;
  }
}

/**
 * Creates the embedded in-process hub.
 * Defaults: history of 1000 events and 1 MiB per topic, 10,000 topics, events up to 256 KiB,
 * iterator queue 1024.
 * Ids are `<epoch>-<seq>`, with a random epoch per topic history (a restarted process or a
 * dropped topic starts a new epoch, so older ids get `sluice-reset`).
 * @example
 * const hub = createHub();
 * const id = await hub.publish('chat', { event: 'message', data: { text: 'hi' } });
 * for await (const ev of hub.subscribe('chat', { from: id })) console.log(ev);
 */
export function createHub(options: MemoryHubOptions = {}): Hub {
  return new MemoryHub(options);
}

class MemoryHub implements Hub {
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly maxTopics: number;
  private readonly maxQueue: number;
  private readonly maxEventSize: number;
  /** Insertion order = least recently published first (a publish moves its topic to the end). */
  private readonly topics = new Map<string, Topic>();
  private closed = false;

  constructor(options: MemoryHubOptions) {
    this.maxEvents = nonNegative(options.history?.maxEvents, 1000, 'history.maxEvents');
    this.maxBytes = nonNegative(options.history?.maxBytes, 1024 * 1024, 'history.maxBytes');
    this.maxTopics = nonNegative(options.maxTopics, 10_000, 'maxTopics') || 1;
    this.maxQueue = nonNegative(options.maxQueue, 1024, 'maxQueue') || 1;
    this.maxEventSize = positiveOption(
      options.maxEventSize,
      DEFAULT_MAX_EVENT_SIZE,
      'maxEventSize',
    );
  }

  publish(name: string, input: PublishInput): Promise<string> {
    try {
      return Promise.resolve(this.publishNow(name, input));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private publishNow(name: string, input: PublishInput): string {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    assertTopic(name);
    const { event, data } = captureInput(input, this.maxEventSize);
    const topic = this.topic(name);
    this.topics.delete(name);
    this.topics.set(name, topic);
    const seq = ++topic.seq;
    const entry = makeEntry(`${topic.epoch}-${seq}`, event, data, seq, 0);
    this.remember(topic, entry);
    for (const sub of topic.subs) if (seq > sub.floorHi) sub.deliver(entry);
    if (topic.subs.size === 0 && topic.size === 0) this.topics.delete(name);
    return entry.id;
  }

  subscribe(name: string, options: SubscribeOptions = {}): AsyncIterable<HubEvent> {
    const sub = new QueueSubscriber(options.maxQueue ?? this.maxQueue, options.signal);
    if (sub.isEnded) return sub;
    try {
      this.register(name, sub, options.from);
    } catch (err) {
      sub.finish(err as Error);
    }
    return sub;
  }

  attach(name: string, sink: HubSink, options: { from?: string } = {}): Promise<() => void> {
    try {
      const sub = new SinkSubscriber(sink);
      this.register(name, sub, options.from);
      return Promise.resolve(() => sub.detach());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    const reason = new SluiceError('SLUICE_HUB_CLOSED');
    for (const topic of this.topics.values()) {
      for (const sub of topic.subs) {
        sub.removed = true;
        sub.finish(sub instanceof SinkSubscriber ? reason : undefined);
      }
      topic.subs.clear();
    }
    this.topics.clear();
    return Promise.resolve();
  }

  /** Adds a subscriber and replays synchronously, so nothing can come between. */
  private register(name: string, sub: Subscriber, from: string | undefined): void {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    assertTopic(name);
    const topic = this.topic(name);
    topic.subs.add(sub);
    sub.detach = () => {
      if (sub.removed) return;
      sub.removed = true;
      topic.subs.delete(sub);
      if (topic.subs.size === 0 && topic.size === 0 && this.topics.get(name) === topic) {
        this.topics.delete(name);
      }
    };
    sub.goLive(this.replayAfter(topic, from), topic.seq, 0);
  }

  /** History after `from`, or one reset entry (then the history it points before). */
  private replayAfter(topic: Topic, from: string | undefined): readonly Entry[] {
    if (from === undefined) return [];
    const p = parseId(from, 1);
    if (!p || p.epoch !== topic.epoch) {
      // Another history: everything of this one, from its start.
      return [makeResetEntry(`${topic.epoch}-0`, 0, 0), ...history(topic, topic.start)];
    }
    if (p.hi > topic.seq) return [makeResetEntry(topic.headId, topic.seq, 0)];
    const first = topic.firstSeq;
    if (p.hi < first - 1) {
      // Older than the history: from just before its oldest event (the head when it is empty).
      return [
        makeResetEntry(`${topic.epoch}-${first - 1}`, first - 1, 0),
        ...history(topic, topic.start),
      ];
    }
    return history(topic, topic.start + (p.hi - first + 1));
  }

  private remember(topic: Topic, entry: Entry): void {
    if (this.maxEvents === 0) return;
    const bytes = entry.frame.byteLength + entry.data.length;
    topic.ring.push({ entry, bytes });
    topic.bytes += bytes;
    while (topic.size > this.maxEvents || (topic.bytes > this.maxBytes && topic.size > 0)) {
      const old = topic.ring[topic.start]!;
      topic.ring[topic.start++] = undefined as unknown as Stored;
      topic.bytes -= old.bytes;
    }
    if (topic.start > 64 && topic.start * 2 > topic.ring.length) {
      topic.ring = topic.ring.slice(topic.start);
      topic.start = 0;
    }
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (topic) return topic;
    if (this.topics.size >= this.maxTopics) this.evictOne();
    topic = new Topic();
    this.topics.set(name, topic);
    return topic;
  }

  private evictOne(): void {
    for (const [name, topic] of this.topics) {
      if (topic.subs.size === 0) {
        this.topics.delete(name);
        return;
      }
    }
    throw new SluiceError('SLUICE_HUB_TOPICS', `maxTopics is ${this.maxTopics}`);
  }
}

/** The topic's kept entries from ring index `begin` on. */
function history(topic: Topic, begin: number): Entry[] {
  const out: Entry[] = [];
  for (let i = begin; i < topic.ring.length; i++) out.push(topic.ring[i]!.entry);
  return out;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SluiceError('SLUICE_CONFIG', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
