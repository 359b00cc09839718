/**
 * The embedded hub: per-topic history in a ring bounded by count and bytes, a process-wide
 * byte budget over every topic's history, synchronous fan-out of frames encoded once per
 * publish.
 */
import { SluiceError } from '../errors/index.js';
import {
  assertTopic,
  captureInput,
  DEFAULT_MAX_EVENT_SIZE,
  heapBytes,
  makeEntry,
  makeResetEntry,
  positiveOption,
  type Entry,
  type EntryHolder,
} from './entry.js';
import { newEpoch, parseId } from './event-id.js';
import { hubStats } from './stats.js';
import { QueueSubscriber, SinkSubscriber, detachOf, type Subscriber } from './subscriber.js';
import type { Detach, Hub, HubEvent, HubSink, PublishInput, SubscribeOptions } from './types.js';

/**
 * Options of `createHub`.
 * @example createHub({ history: { maxEvents: 500, maxBytes: 256 * 1024 }, maxTopics: 1000 })
 */
export interface MemoryHubOptions {
  history?: {
    /** Events kept per topic for replay (default 1000; 0 keeps none). */
    maxEvents?: number;
    /**
     * Bytes of history kept per topic (default 1 MiB), counted as held in memory: the encoded
     * frame, the data and event strings at their size in V8 (two bytes per character for a
     * string holding any character above U+00FF) and the id, plus about 300 bytes of objects.
     */
    maxBytes?: number;
    /**
     * Bytes of history kept by the whole hub, over every topic, counted as `maxBytes` is
     * (default 64 MiB). When a publish passes it, the oldest events of the largest topics are
     * dropped first; a subscriber that asks for them then gets `sluice-reset`.
     */
    maxTotalBytes?: number;
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

/**
 * Bytes of objects per kept event beyond its strings and encodings: the entry and its slot.
 * Each encoding a sink asks for is added when it is made (see Entry.encoded).
 */
const ENTRY_OVERHEAD = 160;

class Topic implements EntryHolder {
  readonly epoch = newEpoch();
  /** Sequence number of the last event (0: none yet). */
  seq = 0;
  /** History, oldest first from `start`; compacted now and then. */
  ring: Entry[] = [];
  start = 0;
  bytes = 0;
  /** Index in the hub's heap of topics by bytes, -1 when its history is empty. */
  heapAt = -1;
  readonly subs = new Set<Subscriber>();

  constructor(
    readonly name: string,
    private readonly hub: MemoryHub,
  ) {}

  grew(entry: Entry, bytes: number): void {
    this.hub.grew(this, entry, bytes);
  }

  get headId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  get size(): number {
    return this.ring.length - this.start;
  }

  /** Sequence number of the oldest kept event (`seq + 1` when none is kept). */
  get firstSeq(): number {
    return this.size > 0 ? this.ring[this.start]!.hi : this.seq + 1;
  }
}

/** True when topic `a` gives up its oldest event before `b`: larger, or as large and older. */
function before(a: Topic, b: Topic): boolean {
  if (a.bytes !== b.bytes) return a.bytes > b.bytes;
  return a.ring[a.start]!.order < b.ring[b.start]!.order;
}

/**
 * Topics with history, largest first (as large: oldest event first): a binary heap, each topic
 * knowing its index so a change of size costs O(log topics).
 */
class TopicHeap {
  private readonly items: Topic[] = [];

  get top(): Topic | undefined {
    return this.items[0];
  }

  /** Inserts the topic, or moves it after its size changed; removes it when empty. */
  update(t: Topic): void {
    if (t.size === 0) {
      this.remove(t);
      return;
    }
    if (t.heapAt === -1) {
      t.heapAt = this.items.length;
      this.items.push(t);
    }
    this.down(this.up(t.heapAt));
  }

  remove(t: Topic): void {
    const i = t.heapAt;
    if (i === -1) return;
    t.heapAt = -1;
    const last = this.items.pop()!;
    if (last === t) return;
    this.items[i] = last;
    last.heapAt = i;
    this.down(this.up(i));
  }

  clear(): void {
    for (const t of this.items) t.heapAt = -1;
    this.items.length = 0;
  }

  private up(i: number): number {
    const items = this.items;
    const t = items[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (!before(t, parent)) break;
      items[i] = parent;
      parent.heapAt = i;
      i = p;
    }
    items[i] = t;
    t.heapAt = i;
    return i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const t = items[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(items[c + 1]!, items[c]!)) c++;
      const child = items[c]!;
      if (!before(child, t)) break;
      items[i] = child;
      child.heapAt = i;
      i = c;
    }
    items[i] = t;
    t.heapAt = i;
  }
}

/**
 * Creates the embedded in-process hub.
 * Defaults: history of 1000 events and 1 MiB per topic, 64 MiB over all topics, 10,000 topics,
 * events up to 256 KiB, iterator queue 1024.
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
  private readonly maxTotalBytes: number;
  private readonly maxTopics: number;
  private readonly maxQueue: number;
  private readonly maxEventSize: number;
  /** Insertion order = least recently published first (a publish moves its topic to the end). */
  private readonly topics = new Map<string, Topic>();
  private readonly heap = new TopicHeap();
  /** Bytes of history held over every topic. */
  private totalBytes = 0;
  /** Events kept so far, over every topic. */
  private kept = 0;
  private closed = false;

  constructor(options: MemoryHubOptions) {
    this.maxEvents = nonNegative(options.history?.maxEvents, 1000, 'history.maxEvents');
    this.maxBytes = nonNegative(options.history?.maxBytes, 1024 * 1024, 'history.maxBytes');
    this.maxTotalBytes = nonNegative(
      options.history?.maxTotalBytes,
      64 * 1024 * 1024,
      'history.maxTotalBytes',
    );
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
    hubStats.published++;
    for (const sub of topic.subs) if (seq > sub.floorHi) sub.deliver(entry);
    this.dropIfIdle(topic);
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

  attach(name: string, sink: HubSink, options: { from?: string } = {}): Detach {
    const sub = new SinkSubscriber(sink);
    this.register(name, sub, options.from);
    return detachOf(sub);
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
    this.heap.clear();
    this.totalBytes = 0;
    return Promise.resolve();
  }

  /** One detacher for every subscriber of this hub: the topic is the subscriber's `home`. */
  private readonly detachSubscriber = (sub: Subscriber): void => {
    if (sub.removed) return;
    sub.removed = true;
    const topic = sub.home as Topic;
    topic.subs.delete(sub);
    this.dropIfIdle(topic);
  };

  /** Adds a subscriber and replays synchronously, so nothing can come between. */
  private register(name: string, sub: Subscriber, from: string | undefined): void {
    if (this.closed) throw new SluiceError('SLUICE_HUB_CLOSED');
    assertTopic(name);
    const topic = this.topic(name);
    topic.subs.add(sub);
    sub.home = topic;
    sub.detacher = this.detachSubscriber;
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
    const bytes =
      ENTRY_OVERHEAD +
      heapBytes(entry.data) +
      heapBytes(entry.id) +
      (entry.event === undefined ? 0 : heapBytes(entry.event));
    entry.size = bytes;
    entry.order = ++this.kept;
    entry.holder = topic;
    topic.ring.push(entry);
    topic.bytes += bytes;
    this.totalBytes += bytes;
    this.trim(topic);
  }

  /** A kept entry got a new encoding (a sink of another codec asked for it): account for it. */
  grew(topic: Topic, entry: Entry, bytes: number): void {
    // An entry of a topic dropped meanwhile (evicted, or the hub closed) counts nowhere.
    if (this.topics.get(topic.name) !== topic) return;
    entry.size += bytes;
    topic.bytes += bytes;
    this.totalBytes += bytes;
    this.trim(topic);
  }

  /** Applies the per-topic bounds, then the process-wide budget. */
  private trim(topic: Topic): void {
    while (topic.size > this.maxEvents || (topic.bytes > this.maxBytes && topic.size > 0)) {
      this.dropOldest(topic);
    }
    this.heap.update(topic);
    // The process-wide budget: the oldest events of the largest topic go first.
    while (this.totalBytes > this.maxTotalBytes) {
      const largest = this.heap.top;
      if (!largest) break;
      this.dropOldest(largest);
      this.heap.update(largest);
      if (largest !== topic) this.dropIfIdle(largest);
    }
  }

  private dropOldest(topic: Topic): void {
    const old = topic.ring[topic.start]!;
    topic.ring[topic.start++] = undefined as unknown as Entry;
    old.holder = undefined;
    topic.bytes -= old.size;
    this.totalBytes -= old.size;
    if (topic.size === 0) {
      topic.ring = [];
      topic.start = 0;
    } else if (topic.start > 64 && topic.start * 2 > topic.ring.length) {
      topic.ring = topic.ring.slice(topic.start);
      topic.start = 0;
    }
  }

  /** Forgets a topic that has neither subscribers nor history. */
  private dropIfIdle(topic: Topic): void {
    if (topic.subs.size === 0 && topic.size === 0 && this.topics.get(topic.name) === topic) {
      this.topics.delete(topic.name);
    }
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (topic) return topic;
    if (this.topics.size >= this.maxTopics) this.evictOne();
    topic = new Topic(name, this);
    this.topics.set(name, topic);
    return topic;
  }

  private evictOne(): void {
    for (const [name, topic] of this.topics) {
      if (topic.subs.size === 0) {
        this.topics.delete(name);
        this.heap.remove(topic);
        this.totalBytes -= topic.bytes;
        return;
      }
    }
    throw new SluiceError('SLUICE_HUB_TOPICS', `maxTopics is ${this.maxTopics}`);
  }
}

/** The topic's kept entries from ring index `begin` on. */
function history(topic: Topic, begin: number): Entry[] {
  const out: Entry[] = [];
  for (let i = begin; i < topic.ring.length; i++) out.push(topic.ring[i]!);
  return out;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SluiceError('SLUICE_CONFIG', `${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
