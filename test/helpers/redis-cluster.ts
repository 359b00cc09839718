/**
 * A private Redis Cluster for tests: 3 primaries + 3 replicas of Debian's `redis-server` on free
 * loopback ports, no persistence, `cluster-node-timeout 1000` (a failover takes a few seconds),
 * made with `redis-cli --cluster create`. Also plain instances for `shards` mode. Every process
 * is killed by `stop()`, and on process exit whatever a test forgot.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { freePort } from '../stress/lib/redis-proc.js';

const live = new Set<ChildProcess>();
function killLive(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
}
process.once('exit', killLive);
// A test process stopped by a signal (a runner's timeout, ^C) takes its servers with it too.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killLive();
    process.kill(process.pid, sig);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Node {
  port: number;
  url: string;
  pid: number;
  child: ChildProcess;
  args: string[];
}

/** True when `port` can be listened on at 127.0.0.1 now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A free port whose cluster bus port (port + 10000) is free too. Ports can be taken between the
 * check and the start, so a start that fails is tried again on another.
 */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await isFree(port + 10000))) return port;
    const p = 20000 + Math.floor(Math.random() * 30000);
    if ((await isFree(p)) && (await isFree(p + 10000))) return p;
  }
}

/** Starts one redis-server with extra arguments; resolves once it accepts connections. */
async function startNode(dir: string, extra: string[], cluster: boolean): Promise<Node> {
  for (let attempt = 0; ; attempt++) {
    const port = cluster ? await freeClusterPort() : await freePort();
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    args.push('--dir', dir, ...extra.map((a) => a.replace('PORT', String(port))));
    try {
      const child = await launch(args);
      return { port, url: `redis://127.0.0.1:${port}`, pid: child.pid!, child, args };
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

async function launch(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout!.on('data', (c: Buffer) => {
      if (out.length < 20_000) out += c.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

function kill(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

/** Runs one command on a fresh connection to `url`. */
export async function command(url: string, args: string[]): Promise<unknown> {
  const c = createClient({ url, socket: { reconnectStrategy: false } });
  c.on('error', () => {});
  await c.connect();
  try {
    return await c.sendCommand(args);
  } finally {
    c.destroy();
  }
}

export interface Cluster {
  nodes: Node[];
  /** Root node URLs (every node). */
  urls: string[];
  /** The node that holds `key`'s slot now (as a node that is up says). */
  primaryOf(key: string): Promise<Node>;
  /** The nodes that serve slots now. */
  primaries(): Promise<Node[]>;
  /**
   * Moves one slot (and its keys) from one primary to another the way `redis-cli --cluster
   * reshard` does: IMPORTING/MIGRATING, `MIGRATE` in batches, then `SETSLOT NODE` everywhere.
   * `pauseMs` waits between marking the slot migrating and moving the keys (ASK replies meanwhile).
   */
  migrateSlot(slot: number, from: Node, to: Node, pauseMs?: number): Promise<void>;
  /** SIGKILLs a node; resolves when it is gone. */
  kill(node: Node): Promise<void>;
  /** Starts a killed node again (same port and cluster config: it rejoins, as a replica). */
  revive(node: Node): Promise<void>;
  /** Resolves once `node` is a replica whose link to its primary is up. */
  waitReplica(node: Node, ms?: number): Promise<void>;
  /** Waits until every live node says `cluster_state:ok` and no slot is served by a dead node. */
  waitOk(ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts 3 primaries + 3 replicas and makes them a cluster; resolves once it is ok. */
export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-cluster-'));
  const nodes: Node[] = [];
  const dead = new Set<Node>();
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => kill(n.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await startNode(
          dir,
          [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, 'nodes-PORT.conf'),
            '--cluster-node-timeout',
            '1000',
            '--dbfilename',
            'dump-PORT.rdb',
          ],
          true,
        ),
      );
    }
    const r = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (r.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${r.stdout}${r.stderr}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const alive = (): Node[] => nodes.filter((n) => !dead.has(n));
  const cluster: Cluster = {
    nodes,
    urls: nodes.map((n) => n.url),
    async primaryOf(key) {
      const slot = Number(await command(alive()[0]!.url, ['CLUSTER', 'KEYSLOT', key]));
      const slots = (await command(alive()[0]!.url, ['CLUSTER', 'SLOTS'])) as unknown[][];
      for (const range of slots) {
        if (slot >= Number(range[0]) && slot <= Number(range[1])) {
          const port = Number((range[2] as unknown[])[1]);
          return nodes.find((n) => n.port === port)!;
        }
      }
      throw new Error(`no node serves slot ${slot}`);
    },
    async primaries() {
      const slots = (await command(alive()[0]!.url, ['CLUSTER', 'SLOTS'])) as unknown[][];
      const ports = new Set(slots.map((r) => Number((r[2] as unknown[])[1])));
      return nodes.filter((n) => ports.has(n.port));
    },
    async migrateSlot(slot, from, to, pauseMs = 0) {
      const fromId = String(await command(from.url, ['CLUSTER', 'MYID']));
      const toId = String(await command(to.url, ['CLUSTER', 'MYID']));
      const s = String(slot);
      await command(to.url, ['CLUSTER', 'SETSLOT', s, 'IMPORTING', fromId]);
      await command(from.url, ['CLUSTER', 'SETSLOT', s, 'MIGRATING', toId]);
      await sleep(pauseMs);
      for (;;) {
        const keys = (await command(from.url, ['CLUSTER', 'GETKEYSINSLOT', s, '100'])) as string[];
        if (keys.length === 0) break;
        await command(from.url, [
          'MIGRATE',
          '127.0.0.1',
          String(to.port),
          '',
          '0',
          '5000',
          'KEYS',
          ...keys,
        ]);
      }
      await command(to.url, ['CLUSTER', 'SETSLOT', s, 'NODE', toId]);
      await command(from.url, ['CLUSTER', 'SETSLOT', s, 'NODE', toId]);
      for (const n of await cluster.primaries()) {
        if (n !== to && n !== from) await command(n.url, ['CLUSTER', 'SETSLOT', s, 'NODE', toId]);
      }
    },
    async kill(node) {
      dead.add(node);
      await kill(node.child);
    },
    async revive(node) {
      node.child = await launch(node.args);
      node.pid = node.child.pid!;
      dead.delete(node);
    },
    async waitReplica(node, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        try {
          const info = String(await command(node.url, ['INFO', 'replication']));
          if (info.includes('role:slave') && info.includes('master_link_status:up')) return;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`${node.port} did not become a replica`);
        await sleep(100);
      }
    },
    async waitOk(ms = 30_000) {
      const deadline = Date.now() + ms;
      const deadPorts = new Set([...dead].map((n) => n.port));
      for (;;) {
        let ok = true;
        for (const n of alive()) {
          try {
            const info = String(await command(n.url, ['CLUSTER', 'INFO']));
            if (!info.includes('cluster_state:ok')) ok = false;
            const slots = (await command(n.url, ['CLUSTER', 'SLOTS'])) as unknown[][];
            const served = slots.reduce((a, r) => a + Number(r[1]) - Number(r[0]) + 1, 0);
            if (served !== 16384) ok = false;
            for (const r of slots) if (deadPorts.has(Number((r[2] as unknown[])[1]))) ok = false;
          } catch {
            ok = false;
          }
          if (!ok) break;
        }
        if (ok) return;
        if (Date.now() > deadline) throw new Error('the cluster did not become ok');
        await sleep(100);
      }
    },
    stop,
  };
  await cluster.waitOk();
  // Replicas in sync, so WAIT (durability 'replicated') is answered from the first publish.
  for (const n of nodes) {
    const role = String(await command(n.url, ['ROLE']));
    if (role.startsWith('slave')) await cluster.waitReplica(n);
  }
  return cluster;
}

export interface Instances {
  nodes: Node[];
  urls: string[];
  kill(node: Node): Promise<void>;
  /** Starts a killed instance again on its port (empty: no persistence). */
  revive(node: Node): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `n` independent redis-servers (for `shards` mode). */
export async function startInstances(n: number): Promise<Instances> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-shards-'));
  const nodes: Node[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((x) => kill(x.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++)
      nodes.push(await startNode(dir, ['--dbfilename', 'dump-PORT.rdb'], false));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    urls: nodes.map((x) => x.url),
    kill: (x) => kill(x.child),
    async revive(x) {
      x.child = await launch(x.args);
      x.pid = x.child.pid!;
    },
    stop,
  };
}
