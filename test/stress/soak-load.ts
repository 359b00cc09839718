// The load of the soak, in its own process: SOAK_STREAMS SSE streams over SOAK_TOPICS topics,
// SOAK_RPS publish requests a second, SOAK_RECONNECTS reconnects a minute (each resuming with
// Last-Event-ID), for SOAK_MS. Every stream checks that ids follow one another with no gap and
// no duplicate across its reconnects. Prints one JSON line of figures at the end.
import http from 'node:http';
import { SseClient } from './lib/sse-client.js';

const URL_ = process.env.SOAK_URL!;
const MS = Number(process.env.SOAK_MS ?? 600_000);
const STREAMS = Number(process.env.SOAK_STREAMS ?? 2000);
const TOPICS = Number(process.env.SOAK_TOPICS ?? 20);
const RPS = Number(process.env.SOAK_RPS ?? 200);
const RECONNECTS = Number(process.env.SOAK_RECONNECTS ?? 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Slot {
  topic: number;
  client: SseClient;
  prev: number | undefined;
  received: number;
}
let gaps = 0;
let duplicates = 0;
let reconnects = 0;
let dropped = 0;
const head = new Array<number>(TOPICS).fill(0);

function connect(slot: Slot, lastEventId?: string): void {
  slot.client = new SseClient(`${URL_}/events/t${slot.topic}`, {
    keepIds: false,
    lastEventId,
    onEvent: (id) => {
      const seq = Number(id.split('-')[1]);
      if (slot.prev !== undefined) {
        if (seq <= slot.prev) duplicates++;
        else if (seq !== slot.prev + 1) gaps += seq - slot.prev - 1;
      }
      slot.prev = seq;
      slot.received++;
    },
  });
  slot.client.opened.catch(() => {});
}

const slots: Slot[] = [];
for (let i = 0; i < STREAMS; i++) {
  const slot = { topic: i % TOPICS, prev: undefined, received: 0 } as unknown as Slot;
  connect(slot);
  slots.push(slot);
  if (i % 200 === 199) await sleep(50);
}
await Promise.all(slots.map((s) => s.client.opened.catch(() => {})));
await sleep(500);

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
let published = 0;
let publishErrors = 0;
function publish(topic: number): void {
  const body = JSON.stringify({ n: published });
  const req = http.request(
    `${URL_}/publish/t${topic}`,
    {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    },
    (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        if (res.statusCode !== 200) return void publishErrors++;
        published++;
        const seq = Number((JSON.parse(text) as { id: string }).id.split('-')[1]);
        if (seq > head[topic]!) head[topic] = seq;
      });
    },
  );
  req.on('error', () => publishErrors++);
  req.end(body);
}

const t0 = Date.now();
let nextPublish = t0;
let nextReconnect = t0;
let k = 0;
while (Date.now() - t0 < MS) {
  const now = Date.now();
  while (nextPublish <= now) {
    publish(k++ % TOPICS);
    nextPublish += 1000 / RPS;
  }
  while (RECONNECTS > 0 && nextReconnect <= now) {
    const slot = slots[Math.floor(Math.random() * slots.length)]!;
    if (slot.client.closed) dropped++;
    const last = slot.client.lastId;
    slot.client.close();
    if (!last) slot.prev = undefined; // nothing received yet: a live-only start
    connect(slot, last || undefined);
    reconnects++;
    nextReconnect += 60_000 / RECONNECTS;
  }
  await sleep(5);
}
await sleep(2000);
let behind = 0;
let closed = 0;
for (const s of slots) {
  if (s.client.closed) closed++;
  else if (s.prev !== undefined && s.prev < head[s.topic]!) behind++;
}
process.stdout.write(
  JSON.stringify({
    streams: STREAMS,
    published,
    publishErrors,
    reconnects,
    gaps,
    duplicates,
    behind,
    closed,
    dropped,
    received: slots.reduce((a, s) => a + s.received, 0),
  }) + '\n',
);
for (const s of slots) s.client.close();
agent.destroy();
process.exit(0);
