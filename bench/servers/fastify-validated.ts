// Fastify, validated POST /json: the route's JSON Schema (Ajv), as its docs teach; the answers
// (POST /json and GET /out) with a response schema, serialized by fast-json-stringify.
import Fastify from 'fastify';
import {
  answer,
  answerJsonSchema,
  FIXED,
  orderJsonSchema,
  type Order,
} from './_payload-validated.js';

const port = Number(process.env.PORT ?? 3000);
const app = Fastify({ logger: false });

const response = { 200: answerJsonSchema };
app.post('/json', { schema: { body: orderJsonSchema, response } }, async (request) => {
  return answer(request.body as Order);
});
app.get('/out', { schema: { response } }, async () => FIXED);

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${port}`);
