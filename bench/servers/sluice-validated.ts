// Sluice, validated POST /json: a typed controller whose zod schema checks the 1 KB body.
import { Server, defineRoute, handle } from '../../dist/index.js';
import { answer, orderSchema } from './_payload-validated.js';

const port = Number(process.env.PORT ?? 3000);
const CreateOrder = defineRoute({ method: 'POST', path: '/json', input: orderSchema });

const s = new Server();
s.setPort(port);
s.bind({ create: handle(CreateOrder, (_ctx, order) => answer(order)) });
await s.start();
console.log(`listening ${s.port}`);
