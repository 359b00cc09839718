// Hand-written node:http: SSE broadcast (one preformatted frame written to every response)
// and a single 16 KiB-chunk stream that awaits 'drain'.
import http from 'node:http';
import { CHUNK, serveControl } from './_control.js';

const port = Number(process.env.PORT ?? 3000);
const clients = new Set<http.ServerResponse>();

async function stream(res: http.ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let closed = false;
  let wake: (() => void) | undefined;
  res.on('close', () => {
    closed = true;
    wake?.();
  });
  res.on('drain', () => wake?.());
  while (!closed) {
    if (!res.write(CHUNK)) await new Promise<void>((r) => (wake = r));
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    clients.add(res);
    res.on('close', () => clients.delete(res));
  } else if (req.method === 'GET' && req.url === '/stream') {
    void stream(res);
  } else {
    res.writeHead(404).end();
  }
});

serveControl({
  broadcast(payload) {
    const frame = `data: ${payload}\n\n`;
    for (const res of clients) res.write(frame);
  },
  clients: () => clients.size,
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${port}`);
});
