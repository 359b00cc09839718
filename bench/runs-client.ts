// Load client of the durable-runs bench (bench/runs.ts): FOLLOWERS followers on each run of
// IDS, each checking every token arrives once (a bitmap per follower), live latency from the
// token's send time; at RESUME_AT_MS, RESUMES followers drop their connection, wait
// RESUME_GAP_MS, and reconnect (sluice: Last-Event-ID; resumable-stream: ?skip=<characters>),
// timing the reconnect to the first replayed token. A connection that ends before its run did
// (cut by the server's slow-reader policy when this client falls behind) is resumed the same
// way after 100 ms, as a real client would (counted in `reconnects`). Prints one JSON line.
import http from 'node:http';

const url = new URL(process.env.URL ?? 'http://127.0.0.1:3000');
const ids = (process.env.IDS ?? '').split(',').filter(Boolean);
const followers = Number(process.env.FOLLOWERS ?? 10);
const tokens = Number(process.env.TOKENS ?? 100);
const rs = process.env.IMPL === 'resumable-stream';
const resumes = Number(process.env.RESUMES ?? 100);
const resumeAt = Number(process.env.RESUME_AT_MS ?? 3000);
const resumeGap = Number(process.env.RESUME_GAP_MS ?? 200);
const deadline = Date.now() + Number(process.env.DEADLINE_MS ?? 60_000);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

interface Follower {
  run: string;
  seen: Uint8Array;
  unique: number;
  dups: number;
  lastId: string;
  chars: number;
  done: boolean;
  resumed: boolean;
  req: http.ClientRequest | undefined;
  onToken: (() => void) | undefined;
}

const latencies: number[] = [];
const resumeLatencies: number[] = [];
const all: Follower[] = [];
let finished = 0;
let errors = 0;

function connect(f: Follower): void {
  const path = rs ? `/run/${f.run}?skip=${f.chars}` : `/run/${f.run}`;
  const headers: Record<string, string> = {};
  if (!rs && f.lastId) headers['last-event-id'] = f.lastId;
  const req = http.get({ host: url.hostname, port: url.port, path, agent, headers }, (res) => {
    res.setEncoding('utf8');
    let buf = '';
    res.on('data', (chunk: string) => {
      f.chars += chunk.length;
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let id = '';
        let data = '';
        let event = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('data: ')) data = line.slice(6);
          else if (line.startsWith('event: ')) event = line.slice(7);
        }
        if (event === 'sluice-end') {
          if (!f.done) {
            f.done = true;
            finished++;
          }
          continue;
        }
        const bar = data.indexOf('|');
        if (bar < 0) continue;
        const i = Number(data.slice(bar + 1));
        if (id) f.lastId = id;
        if (f.seen[i]) f.dups++;
        else {
          f.seen[i] = 1;
          f.unique++;
        }
        if (!f.resumed) latencies.push(Date.now() - Number(data.slice(0, bar)));
        const cb = f.onToken;
        f.onToken = undefined;
        cb?.();
      }
    });
    res.on('end', () => {
      if (f.req !== req || f.done) return;
      if (rs && f.unique === tokens) {
        f.done = true;
        finished++;
        return;
      }
      again(f, req); // cut (the slow-reader policy) or ended early: resume, as a client would
    });
    res.on('error', () => {});
  });
  req.on('error', () => {
    if (f.req !== req) return;
    errors++;
    again(f, req);
  });
  req.on('close', () => {
    if (f.req === req && !f.done) again(f, req);
  });
  f.req = req;
}

let reconnects = 0;

/** Reconnects a follower whose connection ended before the run did (after 100 ms). */
function again(f: Follower, req: http.ClientRequest): void {
  if (f.req !== req || f.done || Date.now() > deadline) return;
  f.req = undefined;
  reconnects++;
  setTimeout(() => connect(f), 100);
}

for (const run of ids) {
  for (let k = 0; k < followers; k++) {
    const f: Follower = {
      run,
      seen: new Uint8Array(tokens),
      unique: 0,
      dups: 0,
      lastId: '',
      chars: 0,
      done: false,
      resumed: false,
      req: undefined,
      onToken: undefined,
    };
    all.push(f);
    connect(f);
  }
}

setTimeout(() => {
  const step = Math.max(1, Math.floor(all.length / resumes));
  for (let n = 0; n < resumes && n * step < all.length; n++) {
    const f = all[n * step]!;
    f.resumed = true;
    const old = f.req;
    f.req = undefined;
    old?.destroy();
    setTimeout(() => {
      const t0 = performance.now();
      f.onToken = () => resumeLatencies.push(performance.now() - t0);
      connect(f);
    }, resumeGap);
  }
}, resumeAt);

const pct = (xs: number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const timer = setInterval(() => {
  if (finished < all.length && Date.now() < deadline) return;
  clearInterval(timer);
  let unique = 0;
  let dups = 0;
  for (const f of all) {
    unique += f.unique;
    dups += f.dups;
  }
  console.log(
    JSON.stringify({
      followers: all.length,
      expected: all.length * tokens,
      unique,
      dups,
      finished,
      errors,
      reconnects,
      p50: pct(latencies, 50),
      p99: pct(latencies, 99),
      resumeP50: pct(resumeLatencies, 50),
      resumeP99: pct(resumeLatencies, 99),
      resumeSamples: resumeLatencies.length,
    }),
  );
  for (const f of all) f.req?.destroy();
  process.exit(0);
}, 50);
