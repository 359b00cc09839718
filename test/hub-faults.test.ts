// The Redis hub under broker faults (issue 7, item 3), on a private redis-server started here
// on a free port with `--appendonly yes --appendfsync always`: restarted (SIGTERM), killed
// (SIGKILL), frozen (SIGSTOP, HUB_FAULTS_FREEZE_MS, default 3 s; the stress tier uses 10 s) and
// its connections killed (CLIENT KILL TYPE normal), while HUB_FAULTS_CLIENTS (default 50) SSE
// clients follow a topic through `es.subscribe` and a publisher publishes steadily.
// Invariants: clients stay connected (heartbeats keep coming during the outage), event-loop
// delay p99 under 50 ms (from the stats endpoint), heap bounded, and after recovery every
// acknowledged event reached every client exactly once, in order.
// Then `--appendfsync everysec` + SIGKILL: the loss it allows is reported (not asserted to be
// zero), and a control without AOF proves the same checks do see loss when it happens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Rig, table, type DrillFigures } from './stress/lib/drills.js';

const CLIENTS = Number(process.env.HUB_FAULTS_CLIENTS ?? 50);
const FREEZE_MS = Number(process.env.HUB_FAULTS_FREEZE_MS ?? 3000);
const DOWN_MS = Number(process.env.HUB_FAULTS_DOWN_MS ?? 1000);
const HEARTBEAT_MS = 200;
const LOOP_P99_MS = 50;
const rows: DrillFigures[] = [];

after(() => {
  const out = table(rows.map((r) => ({ ...r })));
  process.stdout.write(
    `\nhub fault drills (${CLIENTS} clients, freeze ${FREEZE_MS} ms):\n${out}\n`,
  );
  if (process.env.HUB_FAULTS_JSON)
    process.stdout.write(`FIGURES hub-faults ${JSON.stringify(rows)}\n`);
});

function assertHealthy(f: DrillFigures, outageMs: number, problems: string[]): void {
  assert.deepEqual(problems, [], 'the delivery checks found problems');
  assert.equal(f.closedClients, 0, 'every SSE client stayed connected');
  // An outage longer than two heartbeat periods must be bridged by heartbeats at every client.
  if (outageMs >= 2 * HEARTBEAT_MS)
    assert.ok(f.minHeartbeats > 0, 'heartbeats arrived during the outage');
  // Heartbeats every 200 ms: no client went silent for long, whatever the broker did.
  assert.ok(
    f.maxGap < 4 * HEARTBEAT_MS + 200,
    `longest silence ${f.maxGap} ms (outage ${outageMs} ms)`,
  );
  assert.ok(f.loopP99 < LOOP_P99_MS, `event-loop delay p99 ${f.loopP99} ms`);
  assert.ok(f.recoveryMs >= 0, 'publishes were acknowledged again after the fault');
  assert.equal(f.duplicates, 0, 'no event delivered twice');
  assert.equal(f.disorder, 0, 'events in order');
  assert.equal(f.missing, 0, 'every acknowledged event delivered to every client');
  assert.equal(f.resets, 0, 'a persistent history is never reset');
  assert.equal(f.lostFromHistory, 0, 'every acknowledged event is still in the history');
  assert.ok(f.acked > 10, `acknowledged ${f.acked}`);
}

describe('redis hub under broker faults (appendfsync always)', { timeout: 120_000 }, () => {
  let rig: Rig;
  let heap0 = 0;
  before(async () => {
    rig = await Rig.start({
      fsync: 'always',
      clients: CLIENTS,
      heartbeatMs: HEARTBEAT_MS,
      publishEveryMs: 10,
    });
    heap0 = (await rig.stats()).heapUsed;
  });
  after(() => rig?.close());

  const drills: Array<[string, number, (r: Rig) => Promise<void>]> = [
    [
      `restarted (SIGTERM, down ${DOWN_MS} ms)`,
      DOWN_MS,
      (r) => r.redis.restart('SIGTERM', DOWN_MS),
    ],
    [`killed (SIGKILL, down ${DOWN_MS} ms)`, DOWN_MS, (r) => r.redis.restart('SIGKILL', DOWN_MS)],
    [`frozen (SIGSTOP ${FREEZE_MS} ms)`, FREEZE_MS, (r) => r.redis.freeze(FREEZE_MS)],
    ['connections killed (CLIENT KILL)', 0, async (r) => void (await r.redis.killClients())],
  ];
  for (const [name, outage, fault] of drills) {
    it(`Redis ${name}: clients stay, loop p99 < ${LOOP_P99_MS} ms, acknowledged events exactly once in order`, async () => {
      const f = await rig.drill(name, () => fault(rig));
      rows.push(f);
      assertHealthy(f, outage, rig.problems);
      const stats = await rig.stats();
      assert.equal(stats.heapAfterGc, true);
      assert.ok(
        stats.heapUsed - heap0 < 32 * 1024 * 1024,
        `heap grew ${(stats.heapUsed - heap0) / 1048576} MiB`,
      );
      assert.equal(stats.streams, CLIENTS);
      assert.equal(stats.maxUnsent, 0, 'nothing piles up unsent');
    });
  }
});

describe('redis hub: what a weaker durability setting allows', { timeout: 60_000 }, () => {
  it('appendfsync everysec + SIGKILL: reports the acknowledged events lost', async () => {
    const rig = await Rig.start({
      fsync: 'everysec',
      clients: 10,
      heartbeatMs: HEARTBEAT_MS,
      publishEveryMs: 2,
    });
    try {
      const f = await rig.drill('everysec, SIGKILL', () => rig.redis.restart('SIGKILL', DOWN_MS));
      rows.push(f);
      if (rig.problems.length > 0)
        process.stdout.write(`everysec problems:\n  ${rig.problems.join('\n  ')}\n`);
      // Not asserted to be zero: everysec only promises "at most about a second". A SIGKILL
      // leaves what Redis already wrote in the kernel's page cache, so on a live machine the
      // usual figure is 0; it is printed in the table either way.
      process.stdout.write(
        `everysec + SIGKILL: ${f.lostFromHistory} acknowledged events lost from the history, ${f.missing} deliveries missing\n`,
      );
      assert.equal(f.closedClients, 0);
      assert.equal(f.duplicates, 0);
      assert.ok(f.loopP99 < LOOP_P99_MS, `event-loop delay p99 ${f.loopP99} ms`);
    } finally {
      await rig.close();
    }
  });

  it('control, no AOF + SIGKILL: the same checks see the loss (history gone, sluice-reset sent)', async () => {
    const rig = await Rig.start({
      fsync: 'none',
      clients: 10,
      heartbeatMs: HEARTBEAT_MS,
      publishEveryMs: 10,
    });
    try {
      const f = await rig.drill('no AOF, SIGKILL (control)', () => rig.redis.restart('SIGKILL'));
      rows.push(f);
      assert.ok(
        f.lostFromHistory > 0,
        'the checker sees acknowledged events gone from the history',
      );
      assert.ok(f.resets > 0, 'clients were told with sluice-reset');
      assert.equal(f.closedClients, 0);
      assert.equal(f.duplicates, 0);
    } finally {
      await rig.close();
    }
  });
});
