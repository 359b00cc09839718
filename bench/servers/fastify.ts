// Fastify, as its "Getting started" teaches.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 3000);
const app = Fastify({ logger: false });

app.get('/hello', async (_request, reply) => {
  reply.type('text/plain; charset=utf-8');
  return 'Hello, World!';
});

app.get('/json', async () => {
  return { hello: 'world' };
});

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${port}`);
