// Lean SSE load client: raw node:net sockets, a byte-level scanner (HTTP/1.1 chunked framing and
// SSE lines) with no per-event allocation, latency from the send timestamp in each event's data
// (`data: <seq> <Date.now()>`, optionally JSON-quoted as better-sse does). Since the Go client
// (bench/go/sse-load, same protocol and JSON) it is the fallback and the correctness cross-check:
// it costs about 1.4x the Go client's CPU per event (BENCHMARKS.md, method notes).
//
// Env: PORT, SSE_PATH (/sse), CLIENTS (1000). stdin commands:
//   start          reset counters and the CPU baseline
//   report <sent>  print `result <json>` (delivered share, latency percentiles, gaps, CPU)
// It prints `connected <ok> <failed>` once every connection is up with its request written.
import net from 'node:net';
import { createInterface } from 'node:readline';

const PORT = Number(process.env.PORT);
const PATH = process.env.SSE_PATH ?? '/sse';
const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const MAX_PENDING = 100;
const REQUEST = Buffer.from(
  `GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n`,
);

// Latency histogram in 1 ms buckets (the send timestamp is Date.now()) up to 60 s.
const HIST_MAX_MS = 60_000;
const hist = new Uint32Array(HIST_MAX_MS + 1);
let received = 0;
let gaps = 0;
let duplicates = 0;
let now = Date.now();

const DATA = [0x64, 0x61, 0x74, 0x61, 0x3a]; // "data:"

// Chunked-transfer states.
const CS_SIZE = 0;
const CS_EXT = 1;
const CS_DATA = 2;
const CS_CRLF = 3;
// SSE line states.
const L_FIELD = 0; // matching "data:" at the start of a line
const L_SEQ = 1;
const L_TS = 2;
const L_SKIP = 3;

class Conn {
  headersDone = false;
  head = '';
  chunked = false;
  cs = CS_SIZE;
  chunkLeft = 0;
  lineLen = 0;
  line = L_FIELD;
  match = 0;
  digits = 0;
  seq = 0;
  ts = 0;
  hasEvent = false;
  lastSeq = -1;
  ok = false;
  up = false;

  constructor(readonly socket: net.Socket) {}

  reset(): void {
    this.lastSeq = -1;
  }

  onData(buf: Buffer): void {
    let i = 0;
    if (!this.headersDone) {
      // Headers arrive once per connection: a string here is fine.
      this.head += buf.toString('latin1');
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.head.slice(0, end).toLowerCase();
      this.headersDone = true;
      this.chunked = /\r\ntransfer-encoding:\s*chunked/.test(head);
      this.ok = head.startsWith('http/1.1 200') || head.startsWith('http/1.0 200');
      const consumed = end + 4 - (this.head.length - buf.length);
      this.head = '';
      onHeaders(this);
      i = consumed;
    }
    if (!this.chunked) {
      this.scan(buf, i, buf.length);
      return;
    }
    const n = buf.length;
    while (i < n) {
      const cs = this.cs;
      if (cs === CS_DATA) {
        const take = Math.min(this.chunkLeft, n - i);
        this.scan(buf, i, i + take);
        i += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.cs = CS_CRLF;
        continue;
      }
      const b = buf[i++]!;
      if (cs === CS_SIZE) {
        if (b === 0x0a) {
          if (this.chunkLeft === 0) {
            this.socket.destroy(); // last chunk: the server ended the stream
            return;
          }
          this.cs = CS_DATA;
        } else if (b === 0x3b) {
          this.cs = CS_EXT;
        } else if (b !== 0x0d) {
          const v = b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x57;
          this.chunkLeft = this.chunkLeft * 16 + v;
        }
      } else if (cs === CS_EXT) {
        if (b === 0x0a) this.cs = this.chunkLeft === 0 ? CS_SIZE : CS_DATA;
      } else if (b === 0x0a) {
        // CS_CRLF: the CRLF after a chunk's data
        this.cs = CS_SIZE;
        this.chunkLeft = 0;
      }
    }
  }

  /** SSE scanning of body bytes [from, to). */
  scan(buf: Buffer, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const b = buf[i]!;
      if (b === 0x0a) {
        if (this.lineLen === 0) {
          // Blank line: the end of an event (comments/heartbeats carry no data: ignored).
          if (this.hasEvent) this.record();
          this.hasEvent = false;
        }
        this.lineLen = 0;
        this.line = L_FIELD;
        this.match = 0;
        continue;
      }
      if (b === 0x0d) continue;
      this.lineLen++;
      switch (this.line) {
        case L_FIELD:
          if (b === DATA[this.match]) {
            if (++this.match === 5) {
              this.line = L_SEQ;
              this.hasEvent = true;
              this.seq = 0;
              this.ts = 0;
              this.digits = 0;
            }
          } else {
            this.line = L_SKIP;
          }
          break;
        case L_SEQ:
          if (b >= 0x30 && b <= 0x39) {
            this.seq = this.seq * 10 + (b - 0x30);
            this.digits++;
          } else if (b === 0x20 && this.digits > 0) {
            this.line = L_TS;
          } else if (b !== 0x20 && b !== 0x22) {
            this.line = L_SKIP; // not our payload
            this.hasEvent = false;
          }
          break;
        case L_TS:
          if (b >= 0x30 && b <= 0x39) this.ts = this.ts * 10 + (b - 0x30);
          else this.line = L_SKIP;
          break;
        default:
          break;
      }
    }
  }

  record(): void {
    received++;
    let lat = now - this.ts;
    if (lat < 0) lat = 0;
    hist[lat > HIST_MAX_MS ? HIST_MAX_MS : lat]!++;
    if (this.seq > this.lastSeq + 1) gaps += this.seq - this.lastSeq - 1;
    if (this.seq > this.lastSeq) this.lastSeq = this.seq;
    else duplicates++; // a sequence number seen before (or out of order)
  }
}

const conns: Conn[] = [];
let pending = 0;
let opened = 0;
let connected = 0;
let failed = 0;
let closedAfterConnect = 0;
let announced = false;

function onHeaders(c: Conn): void {
  if (!c.ok) {
    failed++;
    c.socket.destroy();
  }
}

function maybeAnnounce(): void {
  if (!announced && connected + failed >= CLIENTS) {
    announced = true;
    console.log(`connected ${connected} ${failed}`);
  }
}

function openOne(): void {
  opened++;
  pending++;
  const socket = net.connect({ host: '127.0.0.1', port: PORT });
  socket.setNoDelay(true);
  const c = new Conn(socket);
  conns.push(c);
  let up = false;
  socket.on('connect', () => {
    // Some frameworks (h3) send no headers before their first event: a connection counts
    // once its request is written; the orchestrator then waits for the server to register it.
    up = true;
    c.up = true;
    socket.write(REQUEST);
    pending--;
    connected++;
    openMore();
    maybeAnnounce();
  });
  socket.on('data', (buf: Buffer) => {
    now = Date.now(); // one clock read per read(), not per event
    c.onData(buf);
  });
  socket.on('error', () => {});
  socket.on('close', () => {
    if (!up) {
      pending--;
      failed++;
      openMore();
      maybeAnnounce();
    } else {
      closedAfterConnect++;
    }
  });
}

function openMore(): void {
  while (opened < CLIENTS && pending < MAX_PENDING) openOne();
}

function percentile(p: number, total: number): number {
  if (total === 0) return NaN;
  const target = Math.ceil((p / 100) * total);
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i]!;
    if (acc >= target) return i;
  }
  return HIST_MAX_MS;
}

let cpu0 = process.cpuUsage();
let t0 = performance.now();

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    if (cmd === 'start') {
      hist.fill(0);
      received = 0;
      gaps = 0;
      duplicates = 0;
      for (const c of conns) c.reset();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      // The orchestrator starts the broadcast only once the counters are reset.
      console.log('started');
    } else if (cmd === 'report') {
      const sent = Number(arg);
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      let max = 0;
      for (let i = hist.length - 1; i >= 0; i--) {
        if (hist[i]) {
          max = i;
          break;
        }
      }
      const live = conns.filter((c) => c.up && (!c.headersDone || c.ok)).length;
      const cpuS = (cpu.user + cpu.system) / 1e6;
      const result = {
        client: 'node',
        opened,
        clients: live,
        failed,
        closed: closedAfterConnect,
        sent,
        expected: sent * live,
        received,
        delivered: sent * live > 0 ? received / (sent * live) : 0,
        gaps,
        missed: gaps,
        duplicates,
        p50Ms: percentile(50, received),
        p99Ms: percentile(99, received),
        maxMs: max,
        cpuUserS: cpu.user / 1e6,
        cpuSysS: cpu.system / 1e6,
        clientCpuPct: (cpuS / seconds) * 100,
        clientUsPerEvent: received > 0 ? (cpuS / received) * 1e6 : NaN,
        seconds,
        latencySampling: 1,
      };
      console.log(`result ${JSON.stringify(result)}`);
    }
  })
  .on('close', () => process.exit(0));

openMore();
