// Run by test/fetch.test.ts under Deno (the `deno` npm package): Sluice's Web-standard handler
// served by Deno.serve, unchanged. Prints `listening <port>`; stops after DENO_SMOKE_MS.
import { Server, createHub } from '../../src/index.js';

declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen(addr: { port: number }): void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Promise<Response>,
  ): { shutdown(): Promise<void> };
  env: { get(name: string): string | undefined };
};

const s = new Server();
const hub = createHub();
s.get('/hello', (r) => ({ hello: 'deno', version: r.httpVersion, ip: r.ip }));
s.post('/echo', async (r) => ({ got: await r.json() }));
s.get('/sse', async (r) => {
  const es = r.response.sse({ heartbeat: 0 });
  for (let i = 0; i < 3; i++) await es.send({ id: String(i), data: i });
});
s.get('/room', (r) => r.response.sse({ heartbeat: 0 }).subscribe(hub, 'room'));
s.post('/publish', async (r) => ({ id: await hub.publish('room', { data: await r.text() }) }));
const server = Deno.serve(
  { port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`listening ${port}`) },
  s.fetch,
);
setTimeout(() => void server.shutdown(), Number(Deno.env.get('DENO_SMOKE_MS') ?? 20_000));
