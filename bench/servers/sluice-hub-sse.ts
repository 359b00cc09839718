// Sluice hub fan-out (issue 6, API.md §5–6): each client `es.subscribe(hub, topic)`, each
// event one `hub.publish(topic, { data })` (encoded once, written to every subscriber).
import * as sluice from '../../dist/index.js';
import { Server, type EventStream } from '../../dist/index.js';
import { serveControl } from './_control.js';

// Looked up at run time so this file typechecks before `createHub` is exported (issue 6);
// until then the server exits and the bench skips it with this message.
type Hub = Parameters<EventStream['subscribe']>[0];
const createHub = (sluice as unknown as { createHub?: () => Hub }).createHub;
if (typeof createHub !== 'function') {
  console.error('Error: createHub is not exported by src/index.ts yet (issue 6)');
  process.exit(1);
}

const port = Number(process.env.PORT ?? 3000);
const TOPIC = 'bench';
const hub = createHub();
let subscribers = 0;

const s = new Server();
s.setPort(port);

s.bindHandler('GET:/sse', async (r) => {
  const es = r.response.sse();
  subscribers++;
  try {
    await es.subscribe(hub, TOPIC);
  } finally {
    subscribers--;
  }
});

serveControl({
  broadcast(payload) {
    hub.publish(TOPIC, { data: payload }).catch(() => {});
  },
  clients: () => subscribers,
});

await s.start();
console.log(`listening ${s.port}`);
