// Hono on @hono/node-server: streamSSE / stream from hono/streaming, as its docs teach.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { stream, streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { CHUNK, serveControl } from './_control.js';

const port = Number(process.env.PORT ?? 3000);
const app = new Hono();
const streams = new Set<SSEStreamingApi>();

app.get('/sse', (c) =>
  streamSSE(c, async (s) => {
    streams.add(s);
    await new Promise<void>((resolve) => {
      s.onAbort(() => {
        streams.delete(s);
        resolve();
      });
    });
  }),
);

app.get('/stream', (c) => {
  c.header('content-type', 'application/octet-stream');
  return stream(c, async (s) => {
    while (!s.aborted) await s.write(CHUNK);
  });
});

serveControl({
  broadcast(payload) {
    for (const s of streams) s.writeSSE({ data: payload }).catch(() => {});
  },
  clients: () => streams.size,
});

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening ${info.port}`);
});
