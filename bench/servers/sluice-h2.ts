// Sluice over HTTP/2 cleartext with prior knowledge (`h2c: true`), the same routes as sluice.ts.
// SLUICE_DIST: another build of Sluice to measure side by side (bench/run.ts BENCH_BEFORE).
const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server } = (await import(`${dist}/index.js`)) as typeof import('../../dist/index.js');

const port = Number(process.env.PORT ?? 3000);
const s = new Server();
s.setPort(port);
s.setConfig({ h2c: true });
s.bindHandler('GET:/hello', (r) => {
  r.response.write('Hello, World!');
});
s.bindHandler('GET:/json', (r) => {
  r.response.writeJson({ hello: 'world' });
});
await s.start();
console.log(`listening ${s.port}`);
