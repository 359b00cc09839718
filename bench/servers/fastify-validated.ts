// Fastify, validated POST /json: the route's JSON Schema (Ajv), as its docs teach.
import Fastify from 'fastify';
import { answer, orderJsonSchema, type Order } from './_payload-validated.js';

const port = Number(process.env.PORT ?? 3000);
const app = Fastify({ logger: false });

app.post('/json', { schema: { body: orderJsonSchema } }, async (request) => {
  return answer(request.body as Order);
});

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${port}`);
