// Sluice, validated POST /json: a typed controller whose zod schema checks the 1 KB body.
import { answer, orderSchema } from './_payload-validated.js';
// SLUICE_DIST: another build of Sluice to measure side by side (bench/run.ts BENCH_BEFORE).
const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server, defineRoute, handle } = (await import(
  `${dist}/index.js`
)) as typeof import('../../dist/index.js');

const port = Number(process.env.PORT ?? 3000);
const CreateOrder = defineRoute({ method: 'POST', path: '/json', input: orderSchema });

const s = new Server();
s.setPort(port);
s.bind({ create: handle(CreateOrder, (_ctx, order) => answer(order)) });
await s.start();
console.log(`listening ${s.port}`);
