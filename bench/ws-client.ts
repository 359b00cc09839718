// WebSocket fan-out load client (issue 13), Node and `ws`: opens CLIENTS connections to
// ws://127.0.0.1:PORT<SSE_PATH> and counts events by scanning each text frame for `"data":"`
// then `<seq> <send ms>` (no JSON.parse per event). Same stdin protocol and JSON result as the
// SSE clients (bench/sse-client.ts): `connected <ok> <failed>`, `start` -> `started`,
// `report <sent>` -> `result <json>`. Node costs more per event than the Go SSE client: its CPU
// is in every row, and rows past 60% of its core are flagged.
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const PORT = Number(process.env.PORT);
const PATH = process.env.SSE_PATH ?? '/ws';
const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const HIST_MAX_MS = 60_000;
const hist = new Uint32Array(HIST_MAX_MS + 1);
let received = 0;
let gaps = 0;
let duplicates = 0;
const lastSeq: number[] = [];
const sockets: WebSocket[] = [];
const MARK = Buffer.from('"data":"');

function onFrame(i: number, buf: Buffer): void {
  const at = buf.indexOf(MARK);
  if (at < 0) return;
  let k = at + MARK.length;
  let seq = 0;
  while (k < buf.length && buf[k]! >= 0x30 && buf[k]! <= 0x39) seq = seq * 10 + buf[k++]! - 0x30;
  k++; // the space
  let ts = 0;
  while (k < buf.length && buf[k]! >= 0x30 && buf[k]! <= 0x39) ts = ts * 10 + buf[k++]! - 0x30;
  received++;
  const lat = Math.max(0, Math.min(HIST_MAX_MS, Date.now() - ts));
  hist[lat]!++;
  const last = lastSeq[i]!;
  if (seq > last + 1) gaps += seq - last - 1;
  if (seq <= last) duplicates++;
  else lastSeq[i] = seq;
}

let ok = 0;
let failed = 0;
let pending = CLIENTS;
const settle = (): void => {
  if (--pending === 0) console.log(`connected ${ok} ${failed}`);
};
for (let i = 0; i < CLIENTS; i++) {
  lastSeq.push(-1);
  const ws = new WebSocket(`ws://127.0.0.1:${PORT}${PATH}`, { perMessageDeflate: false });
  sockets.push(ws);
  ws.on('open', () => {
    ok++;
    settle();
  });
  ws.on('error', () => {});
  ws.once('unexpected-response', () => {
    failed++;
    settle();
  });
  ws.on('close', () => {});
  ws.on('message', (data: Buffer) => onFrame(i, data));
}

function percentile(p: number): number {
  const want = Math.ceil((received * p) / 100);
  let seen = 0;
  for (let ms = 0; ms <= HIST_MAX_MS; ms++) {
    seen += hist[ms]!;
    if (seen >= want && want > 0) return ms;
  }
  return NaN;
}

let cpu0 = process.cpuUsage();
let t0 = performance.now();
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'start') {
      hist.fill(0);
      received = gaps = duplicates = 0;
      lastSeq.fill(-1);
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      console.log('started');
    } else if (cmd === 'report') {
      const sent = Number(arg);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuS = (cpu.user + cpu.system) / 1e6;
      const live = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
      const expected = sent * live;
      let max = -1;
      for (let ms = HIST_MAX_MS; ms >= 0; ms--)
        if (hist[ms]) {
          max = ms;
          break;
        }
      console.log(
        `result ${JSON.stringify({
          client: 'node-ws',
          clients: live,
          failed,
          closed: ok - live,
          sent,
          expected,
          received,
          delivered: expected > 0 ? received / expected : 0,
          gaps,
          duplicates,
          p50Ms: percentile(50),
          p99Ms: percentile(99),
          maxMs: max,
          clientCpuPct: (cpuS / seconds) * 100,
          clientUsPerEvent: received > 0 ? (cpuS / received) * 1e6 : NaN,
          seconds,
        })}`,
      );
    }
  })
  .on('close', () => process.exit(0));
