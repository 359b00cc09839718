// Hono, validated POST /json: hono/validator with the zod schema inside (what
// @hono/zod-validator does), on @hono/node-server.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { validator } from 'hono/validator';
import { answer, orderSchema } from './_payload-validated.js';

const port = Number(process.env.PORT ?? 3000);
const app = new Hono();

app.post(
  '/json',
  validator('json', (value, c) => {
    const parsed = orderSchema.safeParse(value);
    if (!parsed.success) return c.json({ issues: parsed.error.issues }, 400);
    return parsed.data;
  }),
  (c) => c.json(answer(c.req.valid('json'))),
);

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening ${info.port}`);
});
