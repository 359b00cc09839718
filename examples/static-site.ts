// A static site plus the stream its page consumes: setServerRoot(dir) serves examples/static/
// (index.html at /), with content types, ETag/304, Range and no way out of the directory.
// Run: node --import tsx examples/static-site.ts, then open http://127.0.0.1:8999/
import { fileURLToPath } from 'node:url';
import { g } from '../src/index.js';

const root = fileURLToPath(new URL('./static/', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const s = g.server();
s.setServerRoot(root);
// Routes win over files: /events is the stream the page listens to.
s.get('/events', async (r) => {
  const es = r.response.sse();
  for (let i = 0; !es.closed; i++) {
    if (!(await es.send({ event: 'tick', data: `tick ${i} at ${new Date().toISOString()}` })))
      break;
    await sleep(1000);
  }
});
s.setPort(Number(process.env.PORT ?? 8999));
await s.run();
