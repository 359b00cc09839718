// Sluice, validated POST /json: a typed controller whose zod schema checks the 1 KB body.
// SLUICE_OUTPUT=on adds the answer's output schema to POST /json and GET /out, with
// validateResponses 'always' (issue 15: what output validation costs); off (default) declares
// no output schema, so nothing checks the answer.
import { z } from 'zod';
import { answer, answerSchema, FIXED, orderSchema } from './_payload-validated.js';
// SLUICE_DIST: another build of Sluice to measure side by side (bench/run.ts BENCH_BEFORE).
const dist = process.env.SLUICE_DIST ?? new URL('../../dist', import.meta.url).pathname;
const { Server, defineRoute, handle } = (await import(
  `${dist}/index.js`
)) as typeof import('../../dist/index.js');

const port = Number(process.env.PORT ?? 3000);
const output = process.env.SLUICE_OUTPUT === 'on';
const CreateOrder = output
  ? defineRoute({ method: 'POST', path: '/json', input: orderSchema, output: answerSchema })
  : defineRoute({ method: 'POST', path: '/json', input: orderSchema });
const noInput = z.object({});
const Out = output
  ? defineRoute({ method: 'GET', path: '/out', input: noInput, output: answerSchema })
  : defineRoute({ method: 'GET', path: '/out', input: noInput });

const s = new Server();
s.setPort(port);
if (output) s.setConfig({ validateResponses: 'always' });
s.bind({
  create: handle(CreateOrder, (_ctx, order) => answer(order)),
  out: handle(Out, () => FIXED),
});
await s.start();
console.log(`listening ${s.port}`);
