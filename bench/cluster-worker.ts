// One Sluice process of the cluster bench (bench/cluster.ts): a Redis hub (one instance or a
// cluster) with SUBS sinks spread over TOPICS topics (ROLE=sub), or the publisher (ROLE=pub,
// RATE events/s round-robin over the topics). Driven by lines on stdin (START, STOP); answers on
// stdout (READY, then one JSON line of figures). Uses the built package (dist/).
import { createInterface } from 'node:readline';
import { createRedisHub } from '../dist/hub/redis/index.js';
import type { HubSink } from '../dist/index.js';

const env = process.env;
const urls = (env.URLS ?? '').split(',');
const topics = Array.from({ length: Number(env.TOPICS ?? 50) }, (_, i) => `bench-${i}`);
const hub = createRedisHub(
  env.MODE === 'cluster'
    ? { cluster: { rootNodes: urls }, prefix: env.PREFIX, maxPendingPublishes: 100_000 }
    : { url: urls[0], prefix: env.PREFIX, maxPendingPublishes: 100_000 },
);
const now = (): number => performance.timeOrigin + performance.now();

let counting = false;
let deliveries = 0;
let events = 0;
/** Publish-to-deliver latency, once per event per process (the codec encodes once per event). */
const lat: number[] = [];
const EMPTY = new Uint8Array(0);
const codec: HubSink['codec'] = {
  encode(e) {
    if (counting && lat.length < 1_000_000) lat.push(now() - Number(e.data));
    if (counting) events++;
    return EMPTY;
  },
};
const sink: HubSink = {
  codec,
  write() {
    if (counting) deliveries++;
  },
  end() {},
};

if (env.ROLE === 'sub') {
  const subs = Number(env.SUBS ?? 1000);
  const live: Promise<void>[] = [];
  for (let i = 0; i < subs; i++) live.push(hub.attach(topics[i % topics.length]!, sink).live);
  await Promise.all(live);
}
process.stdout.write('READY\n');

let cpu0 = process.cpuUsage();
let published = 0;
let failed = 0;
let timer: NodeJS.Timeout | undefined;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'START') {
    counting = true;
    cpu0 = process.cpuUsage();
    if (env.ROLE === 'pub') {
      const rate = Number(env.RATE ?? 200);
      const t0 = Date.now();
      let k = 0;
      timer = setInterval(() => {
        const due = Math.floor(((Date.now() - t0) * rate) / 1000);
        for (; k < due; k++) {
          hub.publish(topics[k % topics.length]!, { data: String(now()) }).then(
            () => published++,
            () => failed++,
          );
        }
      }, 5);
    }
  } else if (line === 'STOP') {
    counting = false;
    clearInterval(timer);
    const c = process.cpuUsage(cpu0);
    lat.sort((a, b) => a - b);
    const q = (p: number): number =>
      lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
    process.stdout.write(
      `${JSON.stringify({ deliveries, events, published, failed, cpuUs: c.user + c.system, p50: q(0.5), p99: q(0.99) })}\n`,
    );
    void hub.close().then(() => process.exit(0));
  }
});
