// h3 v2: createEventStream(event) returned from the handler, push() to send; the single
// stream is a web ReadableStream returned from the handler, as h3's docs teach.
import { H3, createEventStream, serve, type EventStream } from 'h3';
import { CHUNK, serveControl } from './_control.js';

const port = Number(process.env.PORT ?? 3000);
const app = new H3();
const streams = new Set<EventStream>();

app.get('/sse', (event) => {
  const es = createEventStream(event);
  streams.add(es);
  es.onClosed(() => {
    streams.delete(es);
  });
  return es;
});

app.get('/stream', (event) => {
  event.res.headers.set('content-type', 'application/octet-stream');
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(CHUNK);
    },
  });
});

serveControl({
  broadcast(payload) {
    for (const es of streams) es.push(payload).catch(() => {});
  },
  clients: () => streams.size,
});

const server = serve(app, { port, hostname: '127.0.0.1', silent: true });
await server.ready();
console.log(`listening ${port}`);
