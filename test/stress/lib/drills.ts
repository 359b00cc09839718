/**
 * The Redis hub fault drills, shared by the fast tier (test/hub-faults.test.ts) and the stress
 * tier: a Sluice server (stats enabled) whose SSE route is `es.subscribe(hub, topic)` over
 * `createRedisHub` on a private redis-server, N SSE clients, and a publisher (its own hub, as
 * another node would be) publishing steadily and recording the ids Redis acknowledged.
 */
import { Server } from '../../../src/index.js';
import { enableStats } from '../../../src/testing/index.js';
import { createRedisHub } from '../../../src/hub/redis/index.js';
import type { Hub } from '../../../src/hub/index.js';
import type { Logger } from '../../../src/logger.js';
import type { StatsSnapshot } from '../../../src/testing/stats.js';
import { startRedis, type RedisProc } from './redis-proc.js';
import { SseClient, compareIds } from './sse-client.js';
import { exposeGc, mib } from './gc.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const TOPIC = 'drill';
const quietLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => quietLogger,
};
const PREFIX = 'faults:';

export interface RigOptions {
  fsync: 'always' | 'everysec' | 'none';
  clients: number;
  heartbeatMs: number;
  /** Pause between two publishes of the steady publisher (ms). */
  publishEveryMs: number;
}

export interface DrillFigures {
  name: string;
  acked: number;
  rejected: number;
  /** Ms from the end of the fault (Redis back) to the first acknowledged publish after it. */
  recoveryMs: number;
  loopP99: number;
  loopMax: number;
  /** Longest silence any client saw during the drill (ms), and its fewest heartbeats. */
  maxGap: number;
  minHeartbeats: number;
  heapMiB: number;
  rssMiB: number;
  /** Acknowledged events missing at a client (summed over clients), duplicates, out of order. */
  missing: number;
  duplicates: number;
  disorder: number;
  /** Events delivered that were not acknowledged (publishes that rejected but reached Redis). */
  unacked: number;
  resets: number;
  closedClients: number;
  /** Acknowledged events no longer in the Redis history. */
  lostFromHistory: number;
}

export class Rig {
  readonly acked: string[] = [];
  rejected = 0;
  /** The first few problems the checks found, for the failure message. */
  readonly problems: string[] = [];
  readonly clients: SseClient[] = [];
  #publishing = false;
  #publisher: Promise<void> | undefined;
  #lastAckAt = 0;
  private constructor(
    readonly options: RigOptions,
    readonly redis: RedisProc,
    readonly server: Server,
    readonly url: string,
    readonly hub: Hub,
    readonly pubHub: Hub,
  ) {}

  static async start(options: RigOptions): Promise<Rig> {
    exposeGc();
    const redis = await startRedis(options.fsync);
    const hubOptions = {
      url: redis.url,
      prefix: PREFIX,
      history: { maxEvents: 1_000_000 },
      publishTimeoutMs: 3000,
    };
    const hub = createRedisHub(hubOptions);
    const pubHub = createRedisHub(hubOptions);
    const s = new Server({ logger: quietLogger });
    s.setAddress('127.0.0.1:0');
    s.get('/events/{topic}', async (r) => {
      const es = r.response.sse({ heartbeat: options.heartbeatMs });
      await es.subscribe(hub, String(r.get('topic')));
    });
    enableStats(s, '/__stats');
    await s.start();
    const rig = new Rig(options, redis, s, `http://127.0.0.1:${s.port}`, hub, pubHub);
    for (let i = 0; i < options.clients; i++)
      rig.clients.push(new SseClient(`${rig.url}/events/${TOPIC}`));
    await Promise.all(rig.clients.map((c) => c.opened));
    // A stream is committed before its subscription is attached: warm up until a publish
    // reaches every client, then count from a clean slate.
    const deadline = Date.now() + 10_000;
    while (!rig.clients.every((c) => c.events > 0)) {
      if (Date.now() > deadline) throw new Error('the SSE clients never got a first event');
      await pubHub.publish(TOPIC, { data: 'warm-up' });
      await sleep(50);
    }
    for (const c of rig.clients) c.ids.length = 0;
    return rig;
  }

  async stats(query = ''): Promise<StatsSnapshot> {
    const res = await fetch(`${this.url}/__stats${query}`);
    return (await res.json()) as StatsSnapshot;
  }

  startPublishing(): void {
    if (this.#publishing) return;
    this.#publishing = true;
    this.#publisher = (async () => {
      let i = 0;
      while (this.#publishing) {
        try {
          this.acked.push(await this.pubHub.publish(TOPIC, { data: { i: i++ } }));
          this.#lastAckAt = Date.now();
        } catch {
          this.rejected++;
        }
        await sleep(this.options.publishEveryMs);
      }
    })();
  }

  async stopPublishing(): Promise<void> {
    this.#publishing = false;
    await this.#publisher;
  }

  /** Waits until every client has the last acknowledged id (or the deadline passes). */
  async waitDelivered(ms: number): Promise<boolean> {
    const last = this.acked[this.acked.length - 1];
    if (last === undefined) return true;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.clients.every((c) => c.closed || c.ids.includes(last))) return true;
      await sleep(50);
    }
    return false;
  }

  /** Runs one drill: publish, fault, recover, publish; returns its figures. */
  async drill(
    name: string,
    fault: () => Promise<void>,
    o: { preMs?: number; postMs?: number } = {},
  ): Promise<DrillFigures> {
    await this.stats('?gc=0&reset=1');
    for (const c of this.clients) c.resetGap();
    const hb0 = this.clients.map((c) => c.heartbeats);
    const acked0 = this.acked.length;
    const rejected0 = this.rejected;
    this.startPublishing();
    await sleep(o.preMs ?? 1000);
    await fault();
    const faultAt = Date.now();
    // Recovered once a publish made after the fault was acknowledged.
    const deadline = Date.now() + 20_000;
    while (this.#lastAckAt <= faultAt + 1 && Date.now() < deadline) await sleep(20);
    const recoveryMs = this.#lastAckAt > faultAt ? this.#lastAckAt - faultAt : -1;
    await sleep(o.postMs ?? 1000);
    await this.stopPublishing();
    if (!(await this.waitDelivered(10_000)))
      this.problems.push('not every client got the last acknowledged event within 10 s');
    const loop = await this.stats('?gc=0');
    const mem = await this.stats();
    const check = this.check();
    return {
      name,
      acked: this.acked.length - acked0,
      rejected: this.rejected - rejected0,
      recoveryMs,
      loopP99: loop.loopDelay.p99,
      loopMax: loop.loopDelay.max,
      maxGap: Math.max(...this.clients.map((c) => Math.max(c.maxGap, c.silence()))),
      minHeartbeats: Math.min(...this.clients.map((c, i) => c.heartbeats - hb0[i]!)),
      heapMiB: mib(mem.heapUsed),
      rssMiB: mib(mem.rss),
      ...check,
      lostFromHistory: await this.lostFromHistory(),
    };
  }

  /** Every client against every acknowledged id so far (cumulative over drills). */
  check(): Pick<
    DrillFigures,
    'missing' | 'duplicates' | 'disorder' | 'unacked' | 'resets' | 'closedClients'
  > {
    const acked = new Set(this.acked);
    let missing = 0;
    let duplicates = 0;
    let disorder = 0;
    let unacked = 0;
    let resets = 0;
    let closedClients = 0;
    for (const c of this.clients) {
      if (c.closed) closedClients++;
      resets += c.resets;
      const seen = new Set<string>();
      let prev: string | undefined;
      for (const id of c.ids) {
        if (id.startsWith('reset:')) {
          prev = undefined; // a new history: order restarts
          continue;
        }
        if (seen.has(id)) duplicates++;
        seen.add(id);
        if (!acked.has(id)) unacked++;
        if (prev !== undefined && compareIds(prev, id) >= 0) disorder++;
        prev = id;
      }
      for (const id of this.acked) {
        if (seen.has(id)) continue;
        missing++;
        if (this.problems.length < 20)
          this.problems.push(
            `client ${this.clients.indexOf(c)} missing ${id} (acked #${this.acked.indexOf(id)} of ${this.acked.length}, client has ${c.ids.length}, last ${c.ids.at(-1)})`,
          );
      }
    }
    return { missing, duplicates, disorder, unacked, resets, closedClients };
  }

  /** Acknowledged ids whose entry is not in the Redis stream (what a resuming client could not get). */
  async lostFromHistory(): Promise<number> {
    const entries = (await this.redis.command([
      'XRANGE',
      `${PREFIX}s:${TOPIC}`,
      '-',
      '+',
    ])) as Array<[string, unknown]>;
    const have = new Set(entries.map((e) => String(e[0])));
    return this.acked.filter((id) => !have.has(id.split('-').slice(-2).join('-'))).length;
  }

  async close(): Promise<void> {
    await this.stopPublishing();
    for (const c of this.clients) c.close();
    await this.server.shutdown({ timeout: 500 });
    await this.hub.close();
    await this.pubHub.close();
    await this.redis.stop();
  }
}

/** The figures as a fixed-width table. */
export function table(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]!);
  const cells = [cols, ...rows.map((r) => cols.map((c) => String(r[c])))];
  const width = cols.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((v, i) => v.padStart(width[i]!)).join('  ')).join('\n');
}
