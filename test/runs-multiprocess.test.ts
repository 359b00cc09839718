// Durable runs across real processes: each node is its own `node` process running
// test/fixtures/runs-node.ts over one Redis (a unique prefix). A run produced on node A is
// followed from node B, cancelled from node B (timed: the cancel's request to the abort seen by
// A's model), and survives its producer's SIGKILL only as a `failed` end, within the lease bound.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createClient } from 'redis';
import { endOf, readEvents, text } from './helpers/runs.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const FIXTURE = new URL('./fixtures/runs-node.ts', import.meta.url).pathname;
const PREFIX = `sluice-runs-mp:${randomBytes(6).toString('hex')}:`;
const LEASE_MS = 1000;
const children = new Set<ChildProcess>();

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  const c = createClient({ url: REDIS_URL });
  await c.connect();
  const keys: string[] = [];
  for await (const batch of c.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 }))
    keys.push(...batch);
  if (keys.length) await c.del(keys);
  c.destroy();
});

interface RunsNode {
  url: string;
  /** `aborted` lines: run id -> when its model's signal aborted (ms since the epoch). */
  aborted: Map<string, number>;
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process freezes (no lease renewal), then goes on. */
  freeze(): void;
  thaw(): void;
}

function startNode(env: Record<string, string> = {}): Promise<RunsNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: {
      ...process.env,
      REDIS_URL,
      HUB_PREFIX: PREFIX,
      PORT: '0',
      LEASE_MS: String(LEASE_MS),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const aborted = new Map<string, number>();
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out}${err}`)), 15_000);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      for (const m of out.matchAll(/^aborted (\S+) ([\d.]+)$/gm)) aborted.set(m[1]!, Number(m[2]));
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: m[1]!,
        aborted,
        freeze: () => void child.kill('SIGSTOP'),
        thaw: () => void child.kill('SIGCONT'),
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
          children.delete(child);
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}: ${err}`));
    });
  });
}

const startRun = async (node: RunsNode, user = 'u'): Promise<string> => {
  const res = await fetch(`${node.url}/start`, { method: 'POST', headers: { 'x-user': user } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
};

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

describe('durable runs across processes (Redis)', () => {
  it('a run produced on node A is followed from node B from its first token to its end; a client that leaves A resumes on B with Last-Event-ID, nothing lost or repeated', async () => {
    const [a, b] = await Promise.all([startNode({ TOKENS: '30', TOKEN_MS: '10' }), startNode()]);
    const onA = await fetch(`${a.url}/chat`, { method: 'POST', headers: { 'x-user': 'u' } });
    const id = onA.headers.get('x-run-id')!;
    const onB = await fetch(`${b.url}/chat/${id}`, { headers: { 'x-user': 'u' } });
    assert.equal(onB.status, 200);
    const partA = await readEvents(onA, (_e, all) => all.length === 10); // leaves A mid-answer
    const resumed = await fetch(`${b.url}/chat/${id}`, {
      headers: { 'x-user': 'u', 'last-event-id': partA.events.at(-1)!.id! },
    });
    const [whole, rest] = await Promise.all([readEvents(onB), readEvents(resumed)]);
    const expected = Array.from({ length: 30 }, (_, i) => `t${i} `).join('');
    assert.equal(text(whole.events), expected);
    assert.equal(endOf(whole.events)?.outcome, 'done');
    assert.equal(text([...partA.events, ...rest.events]), expected);
    const ids = [...partA.events, ...rest.events].map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'no event twice');
    const other = await fetch(`${b.url}/chat/${id}`, { headers: { 'x-user': 'mallory' } });
    assert.equal(other.status, 404, 'the owner check holds on every node');
  });

  it('a cancel on node B aborts the producer on node A: p99 under 250 ms over 100 runs, followers get cancelled', async () => {
    const [a, b] = await Promise.all([
      startNode({ TOKENS: '100000', TOKEN_MS: '50' }),
      startNode(),
    ]);
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const id = await startRun(a);
      const t0 = performance.timeOrigin + performance.now();
      const res = await fetch(`${b.url}/chat/${id}/stop`, {
        method: 'POST',
        headers: { 'x-user': 'u' },
      });
      assert.deepEqual(await res.json(), { id, outcome: 'cancelled' });
      const deadline = Date.now() + 5000;
      while (!a.aborted.has(id) && Date.now() < deadline) await new Promise((f) => setImmediate(f));
      assert.ok(a.aborted.has(id), `run ${i}: node A's producer was aborted`);
      latencies.push(a.aborted.get(id)! - t0);
    }
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(`cancel B -> producer on A: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
    assert.ok(p99 < 250, `p99 ${p99} ms`);
    const id = await startRun(a);
    const follower = await fetch(`${a.url}/chat/${id}`, { headers: { 'x-user': 'u' } });
    const reading = readEvents(follower);
    await fetch(`${b.url}/chat/${id}/stop`, { method: 'POST', headers: { 'x-user': 'u' } });
    assert.equal(endOf((await reading).events)?.outcome, 'cancelled');
  });

  it("SIGKILL of the producer's process: followers on node B get failed (SLUICE_RUN_PRODUCER_LOST) within leaseMs x 1.25 plus a round trip, never an endless stream; a later follower gets the same end", async () => {
    const [a, b] = await Promise.all([
      startNode({ TOKENS: '100000', TOKEN_MS: '20' }),
      startNode(),
    ]);
    const id = await startRun(a);
    const onB = await fetch(`${b.url}/chat/${id}`, { headers: { 'x-user': 'u' } });
    let killedAt = 0;
    const reading = readEvents(onB, (_e, all) => {
      if (all.length === 5 && killedAt === 0) {
        killedAt = Date.now();
        void a.kill();
      }
      return false;
    });
    const { events, complete } = await reading;
    const took = Date.now() - killedAt;
    assert.ok(complete, 'the stream ended cleanly');
    const end = endOf(events);
    assert.equal(end?.outcome, 'failed');
    assert.equal(end?.code, 'SLUICE_RUN_PRODUCER_LOST');
    console.log(`producer SIGKILLed: followers got failed after ${took} ms (lease ${LEASE_MS} ms)`);
    assert.ok(took <= LEASE_MS * 1.25 + 500, `${took} ms`);
    const late = await readEvents(
      await fetch(`${b.url}/chat/${id}`, { headers: { 'x-user': 'u' } }),
    );
    assert.equal(endOf(late.events)?.code, 'SLUICE_RUN_PRODUCER_LOST');
  });

  it('a run whose producer died while nobody watched is failed by the first follow after the lease expired', async () => {
    const [a, b] = await Promise.all([
      startNode({ TOKENS: '100000', TOKEN_MS: '20' }),
      startNode(),
    ]);
    const id = await startRun(a);
    await a.kill();
    await new Promise((f) => setTimeout(f, LEASE_MS + 100)); // the lease runs out: time is the cause here
    const t0 = Date.now();
    const res = await fetch(`${b.url}/chat/${id}`, { headers: { 'x-user': 'u' } });
    const { events } = await readEvents(res);
    assert.equal(endOf(events)?.code, 'SLUICE_RUN_PRODUCER_LOST');
    assert.ok(Date.now() - t0 < 500, 'at once, not after another lease');
  });
});
