// Fastify: SSE through reply.raw after reply.hijack() (no @fastify/sse installed), and a
// single stream sent the documented way, reply.send(Readable).
import { Readable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { CHUNK, serveControl } from './_control.js';

const port = Number(process.env.PORT ?? 3000);
const app = Fastify({ logger: false });
const clients = new Set<ServerResponse>();

app.get('/sse', (request, reply) => {
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  reply.raw.flushHeaders();
  clients.add(reply.raw);
  request.raw.on('close', () => clients.delete(reply.raw));
});

app.get('/stream', (_request, reply) => {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) yield CHUNK;
  }
  return reply.type('application/octet-stream').send(Readable.from(chunks()));
});

serveControl({
  broadcast(payload) {
    for (const raw of clients) raw.write(`data: ${payload}\n\n`);
  },
  clients: () => clients.size,
});

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${port}`);
