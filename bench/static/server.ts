// One static-file server for bench/static/run.ts, chosen by MODE:
// - `sluice`: Sluice's own static sending (setServerRoot: resolve, plan, stream through the Sink);
// - `sluice-send`: a Sluice route that lets @fastify/send resolve and plan, and streams its stream;
// - `node-send`: plain node:http with @fastify/send (the library's own best case).
import http from 'node:http';
import send from '@fastify/send';
import { Server } from '../../src/index.js';

const mode = process.env.MODE ?? 'sluice';
const root = process.env.ROOT!;
const port = Number(process.env.PORT ?? 3000);

if (mode === 'node-send') {
  const server = http.createServer((req, res) => {
    void send(req, new URL(req.url ?? '/', 'http://x').pathname, { root }).then(
      ({ statusCode, headers, stream }) => {
        res.writeHead(statusCode, headers);
        stream.pipe(res);
      },
    );
  });
  server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
} else {
  const s = new Server({ logger: { debug() {}, info() {}, warn() {}, error() {}, child: () => s.logger } as never });
  s.setAddress(`127.0.0.1:${port}`);
  if (mode === 'sluice') s.setServerRoot(root);
  else {
    s.get('/*path', async (r) => {
      const req = (r.native as { req: http.IncomingMessage }).req;
      const { statusCode, headers, stream } = await send(req, r.path, { root });
      r.response.status = statusCode;
      for (const [k, v] of Object.entries(headers)) r.response.header().set(k, String(v));
      await r.response.stream(stream);
    });
  }
  await s.start();
  console.log(`listening ${s.port}`);
}
