// Sluice WebSocket fan-out (issue 13): each client `subscribeWebSocket(ws, hub, topic)`, each
// event one `hub.publish(topic, { data })` (encoded once as the WebSocket codec's JSON text frame).
import { serveControl } from './_control.js';
// SLUICE_DIST: another build of Sluice to measure side by side (bench/run.ts BENCH_BEFORE).
const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server, createHub, subscribeWebSocket } = (await import(
  `${dist}/index.js`
)) as typeof import('../../dist/index.js');

const port = Number(process.env.PORT ?? 3000);
const hub = createHub();
let subscribers = 0;

const s = new Server();
s.setPort(port);
s.setConfig({ maxConnections: 50_000 });
s.get('/ws', async (r) => {
  const ws = await r.webSocket();
  subscribers++;
  try {
    await subscribeWebSocket(ws, hub, 'bench');
  } finally {
    subscribers--;
  }
});

serveControl({
  broadcast(payload) {
    hub.publish('bench', { data: payload }).catch(() => {});
  },
  clients: () => subscribers,
});

await s.start();
console.log(`listening ${s.port}`);
