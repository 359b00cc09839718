// Express 5 + better-sse, as better-sse's docs teach: createSession per request, one Channel,
// channel.broadcast() (a loop over its sessions calling push()). The single stream pipes a
// Readable into res.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import express from 'express';
import { createChannel, createSession } from 'better-sse';
import { CHUNK, serveControl } from './_control.js';

const port = Number(process.env.PORT ?? 3000);
const app = express();
const channel = createChannel();

app.get('/sse', async (req, res) => {
  const session = await createSession(req, res);
  channel.register(session);
});

app.get('/stream', (_req, res) => {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (;;) yield CHUNK;
  }
  res.type('application/octet-stream');
  pipeline(Readable.from(chunks()), res).catch(() => {});
});

serveControl({
  broadcast(payload) {
    channel.broadcast(payload);
  },
  clients: () => channel.sessionCount,
});

app.listen(port, '127.0.0.1', () => {
  console.log(`listening ${port}`);
});
