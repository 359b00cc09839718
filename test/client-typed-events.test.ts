// A route defined with `events` gives the stream client its event types (checked by tsc in
// `npm run typecheck`), and the same route streams those events at run time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { expectTypeOf } from 'expect-type';
import { z } from 'zod';
import { defineRoute, handle, g, type EventsOf } from '../src/index.js';
import { stream } from '../src/client/index.js';
import { startServer } from './helpers/server.js';

const chat = defineRoute({
  method: 'POST',
  path: '/chat',
  input: z.object({ prompt: z.string() }),
  events: {
    token: z.object({ text: z.string() }),
    done: z.object({ reason: z.enum(['stop', 'length']) }),
  },
});

describe('typed events', () => {
  it('EventsOf<route> narrows the client events by name', async () => {
    type Events = EventsOf<typeof chat>;
    expectTypeOf<Events['token']>().toEqualTypeOf<{ text: string }>();
    expectTypeOf<Events['done']>().toEqualTypeOf<{ reason: 'stop' | 'length' }>();
    const { url } = await startServer((s) =>
      s.group('/', (grp) =>
        grp.bind({
          chat: handle(chat, async (ctx, input) => {
            const es = g.requestFromCtx(ctx)!.response.sse({ heartbeat: 0 });
            for (const word of input.prompt.split(' '))
              await es.send({ event: 'token', data: { text: word } });
            await es.send({ event: 'done', data: { reason: 'stop' } });
          }),
        }),
      ),
    );
    const words: string[] = [];
    for await (const ev of stream<EventsOf<typeof chat>>(`${url}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello typed world' }),
      json: true,
    })) {
      if (ev.event === 'token') {
        expectTypeOf(ev.data).toEqualTypeOf<{ text: string }>();
        words.push(ev.data.text);
      } else {
        expectTypeOf(ev.data).toEqualTypeOf<{ reason: 'stop' | 'length' }>();
        assert.equal(ev.data.reason, 'stop');
        break;
      }
    }
    assert.deepEqual(words, ['hello', 'typed', 'world']);
  });
});
