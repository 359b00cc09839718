// The client side of the connect/leave cycles, in its own process (own fd limit, own heap):
//   open <n> <url> <localAddress>  opens n SSE streams (raw sockets), answers "opened <ok> <failed>"
//   close                          destroys them all, answers "closed"
import net from 'node:net';
import { createInterface } from 'node:readline';

let sockets: net.Socket[] = [];

function openOne(
  port: number,
  path: string,
  localAddress: string,
): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1', localAddress });
    const timer = setTimeout(() => (sock.destroy(), resolve(undefined)), 15_000);
    sock.once('error', () => (clearTimeout(timer), resolve(undefined)));
    sock.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.on('error', () => {});
      sock.on('data', () => {});
      resolve(
        chunk.toString('latin1').startsWith('HTTP/1.1 200') ? sock : (sock.destroy(), undefined),
      );
    });
    sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`);
  });
}

async function open(n: number, url: string, localAddress: string): Promise<string> {
  const u = new URL(url);
  let ok = 0;
  let failed = 0;
  const batch = 250;
  for (let i = 0; i < n; i += batch) {
    const got = await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, () =>
        openOne(Number(u.port), u.pathname, localAddress),
      ),
    );
    for (const s of got) {
      if (s) {
        sockets.push(s);
        ok++;
      } else failed++;
    }
  }
  return `opened ${ok} ${failed}`;
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'open') {
    void open(Number(args[0]), args[1]!, args[2] ?? '127.0.0.1').then((r) =>
      process.stdout.write(r + '\n'),
    );
  } else if (cmd === 'close') {
    for (const s of sockets) s.destroy();
    sockets = [];
    process.stdout.write('closed\n');
  } else if (cmd === 'exit') process.exit(0);
});
