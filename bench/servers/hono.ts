// Hono on @hono/node-server, as its Node.js guide teaches.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const port = Number(process.env.PORT ?? 3000);
const app = new Hono();

app.get('/hello', (c) => c.text('Hello, World!'));
app.get('/json', (c) => c.json({ hello: 'world' }));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening ${info.port}`);
});
