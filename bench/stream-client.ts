// Single-stream throughput client: one raw node:net connection, GET /stream, counts body
// bytes (chunk framing included: ~0.1% at 16 KiB chunks) for SECONDS after the headers, then
// prints `result <json>` and exits. Env: PORT, SECONDS (5).
import net from 'node:net';

const PORT = Number(process.env.PORT);
const SECONDS = Number(process.env.SECONDS ?? 5);

let bytes = 0;
let started = 0;
let headersDone = false;
let head = '';
let cpu0 = process.cpuUsage();

const socket = net.connect({ host: '127.0.0.1', port: PORT }, () => {
  socket.write(`GET /stream HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\n\r\n`);
});

function finish(): void {
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const result = {
    bytes,
    seconds,
    mbPerS: bytes / seconds / 1e6,
    clientCpuPct: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    status: head.slice(0, 12),
  };
  console.log(`result ${JSON.stringify(result)}`);
  socket.destroy();
  process.exit(0);
}

socket.on('data', (buf: Buffer) => {
  if (headersDone) {
    bytes += buf.length;
    return;
  }
  head += buf.toString('latin1');
  const end = head.indexOf('\r\n\r\n');
  if (end < 0) return;
  headersDone = true;
  if (!head.startsWith('HTTP/1.1 200')) {
    console.log(`error ${JSON.stringify(head.slice(0, head.indexOf('\r\n')))}`);
    process.exit(1);
  }
  bytes = head.length - end - 4;
  head = head.slice(0, end);
  started = performance.now();
  cpu0 = process.cpuUsage();
  setTimeout(finish, SECONDS * 1000);
});
socket.on('error', (err) => {
  console.log(`error ${JSON.stringify(err.message)}`);
  process.exit(1);
});
socket.on('close', () => {
  if (headersDone && started) finish();
  console.log('error "closed before the end"');
  process.exit(1);
});
