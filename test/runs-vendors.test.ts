// The vendor wire formats of runs.follow, read by each vendor's own official client from npm:
// `openai` (chat.completions.create({ stream: true }) and .stream()), `@anthropic-ai/sdk`
// (messages.stream()) and `ai` (the AI SDK's chat with DefaultChatTransport, including its
// resume of an active stream after a "reload"), against a Sluice server whose runs stream a
// scripted fake model. Both hubs: memory, and Redis (a unique prefix).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AbstractChat, DefaultChatTransport, type ChatState, type UIMessage } from 'ai';
import { createClient } from 'redis';
import { createHub, createRuns, HttpError, type Hub, type Runs } from '../src/index.js';
import { createRedisHub } from '../src/hub/redis/index.js';
import { memoryLogger, startServer, waitFor } from './helpers/server.js';
import { ScriptedModel } from './helpers/runs.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `sluice-runs-vendors:${randomBytes(6).toString('hex')}:`;
const ANSWER = ['Rayleigh ', 'scattering ', 'makes ', 'short ', 'wavelengths ', 'win.'];

after(async () => {
  const c = createClient({ url: REDIS_URL });
  await c.connect();
  const keys: string[] = [];
  for await (const batch of c.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 }))
    keys.push(...batch);
  if (keys.length) await c.del(keys);
  c.destroy();
});

/** A chat state for the AI SDK's AbstractChat (what @ai-sdk/react keeps in React state). */
class State implements ChatState<UIMessage> {
  status: ChatState<UIMessage>['status'] = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (m: UIMessage): void => void this.messages.push(m);
  popMessage = (): void => void this.messages.pop();
  replaceMessage = (i: number, m: UIMessage): void => void (this.messages[i] = m);
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

class Chat extends AbstractChat<UIMessage> {
  constructor(id: string, api: string, messages: UIMessage[] = []) {
    const state = new State();
    state.messages = messages;
    super({ id, transport: new DefaultChatTransport({ api }), state });
  }
  get all(): UIMessage[] {
    return this.state.messages;
  }
  /** The text of the last assistant message. */
  get answer(): string {
    const last = this.state.messages.findLast((m) => m.role === 'assistant');
    return (last?.parts ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');
  }
}

/**
 * A server with the three vendor endpoints over `runs`. The prompt picks the script: "fail"
 * throws an HttpError after two tokens, "slow" waits for the test to release each token.
 */
async function vendorServer(runs: Runs): Promise<{ url: string; models: ScriptedModel[] }> {
  const models: ScriptedModel[] = [];
  const active = new Map<string, string>(); // AI SDK chat id -> its active run
  const produce = (prompt: string) => {
    const m = new ScriptedModel(ANSWER, prompt === 'slow' ? 0 : 2);
    models.push(m);
    return async ({
      token,
      signal,
    }: {
      token: (t: string) => Promise<string>;
      signal: AbortSignal;
    }) => {
      let n = 0;
      for await (const t of m.stream(signal)) {
        await token(t);
        if (prompt === 'fail' && ++n === 2) throw new HttpError(503, 'the model is overloaded');
      }
    };
  };
  const { url } = await startServer((s) => {
    s.post('/v1/chat/completions', async (r) => {
      const body = (await r.json()) as { model: string; messages: { content: string }[] };
      const run = await runs.start(produce(body.messages.at(-1)!.content));
      return runs.follow(r, run.id, { format: 'openai', model: body.model });
    });
    s.post('/v1/messages', async (r) => {
      const body = (await r.json()) as { model: string; messages: { content: string }[] };
      const run = await runs.start(produce(body.messages.at(-1)!.content));
      return runs.follow(r, run.id, { format: 'anthropic', model: body.model });
    });
    s.post('/api/chat', async (r) => {
      const body = (await r.json()) as { id: string; messages: UIMessage[] };
      const last = body.messages.at(-1)!;
      const prompt = last.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
      const run = await runs.start(produce(prompt));
      active.set(body.id, run.id);
      return runs.follow(r, run.id, { format: 'ai-sdk' });
    });
    // The AI SDK's resume: 204 when the chat has no active run, else the run from its start.
    s.get('/api/chat/{chatId}/stream', async (r) => {
      const id = active.get(String(r.get('chatId')));
      const status = id ? await runs.status(id) : undefined;
      if (!status || status.state !== 'running') {
        r.response.status = 204;
        return;
      }
      return runs.follow(r, id!, { format: 'ai-sdk' });
    });
  });
  return { url, models };
}

for (const backend of [
  { name: 'memory hub', hub: (): Hub => createHub() },
  { name: 'Redis hub', hub: (): Hub => createRedisHub({ url: REDIS_URL, prefix: PREFIX }) },
]) {
  describe(`vendor formats, read by the official clients (${backend.name})`, () => {
    async function setup(): Promise<{ url: string; models: ScriptedModel[] }> {
      const hub = backend.hub();
      const runs = createRuns(hub, { logger: memoryLogger() });
      after(async () => {
        await runs.close();
        await hub.close();
      });
      return vendorServer(runs);
    }

    it('openai: chat.completions.create({ stream: true }) iterates the chunks to [DONE]; .stream() builds the final completion', async () => {
      const { url } = await setup();
      const client = new OpenAI({ apiKey: 'test', baseURL: `${url}/v1`, maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'fake-1',
        messages: [{ role: 'user', content: 'why is the sky blue?' }],
        stream: true,
      });
      let text = '';
      let finish: string | null | undefined;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, 'chat.completion.chunk');
        assert.equal(chunk.model, 'fake-1');
        text += chunk.choices[0]?.delta?.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(text, ANSWER.join(''));
      assert.equal(finish, 'stop');
      assert.equal(chunks, ANSWER.length + 2, 'the role chunk, one per token, the finish chunk');
      const helper = client.chat.completions.stream({
        model: 'fake-1',
        messages: [{ role: 'user', content: 'again' }],
      });
      const completion = await helper.finalChatCompletion();
      assert.equal(completion.choices[0]!.message.content, ANSWER.join(''));
      assert.equal(completion.choices[0]!.message.role, 'assistant');
      assert.equal(completion.choices[0]!.finish_reason, 'stop');
    });

    it('openai: a failed run throws an APIError carrying the safe message', async () => {
      const { url } = await setup();
      const client = new OpenAI({ apiKey: 'test', baseURL: `${url}/v1`, maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'fake-1',
        messages: [{ role: 'user', content: 'fail' }],
        stream: true,
      });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
        })(),
        (err: unknown) =>
          err instanceof OpenAI.APIError && /the model is overloaded/.test(err.message),
      );
      assert.equal(text, ANSWER.slice(0, 2).join(''));
    });

    it('anthropic: messages.stream() reads the named events; finalMessage has the text, end_turn and the token count', async () => {
      const { url } = await setup();
      const client = new Anthropic({ apiKey: 'test', baseURL: url, maxRetries: 0 });
      const deltas: string[] = [];
      const stream = client.messages
        .stream({
          model: 'fake-claude',
          max_tokens: 100,
          messages: [{ role: 'user', content: 'why is the sky blue?' }],
        })
        .on('text', (t) => deltas.push(t));
      const message = await stream.finalMessage();
      assert.equal(message.role, 'assistant');
      assert.equal(message.model, 'fake-claude');
      assert.equal(message.stop_reason, 'end_turn');
      assert.equal(message.usage.output_tokens, ANSWER.length);
      assert.equal(message.content[0]!.type, 'text');
      assert.equal((message.content[0] as { text: string }).text, ANSWER.join(''));
      assert.deepEqual(deltas, ANSWER);
    });

    it('anthropic: a failed run is an error event the client throws', async () => {
      const { url } = await setup();
      const client = new Anthropic({ apiKey: 'test', baseURL: url, maxRetries: 0 });
      const stream = client.messages.stream({
        model: 'fake-claude',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'fail' }],
      });
      await assert.rejects(
        stream.finalMessage(),
        (err: unknown) =>
          err instanceof Anthropic.APIError && /the model is overloaded/.test(err.message),
      );
    });

    it('ai: the AI SDK chat reads the UI message stream (header, typed parts, [DONE])', async () => {
      const { url } = await setup();
      const head = await fetch(`${url}/api/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'c0',
          messages: [{ id: 'm0', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
        }),
      });
      assert.equal(head.headers.get('x-vercel-ai-ui-message-stream'), 'v1');
      assert.match(await head.text(), /data: \[DONE\]\n\n$/);
      const chat = new Chat('c1', `${url}/api/chat`);
      await chat.sendMessage({ text: 'why is the sky blue?' });
      assert.equal(chat.status, 'ready');
      assert.equal(chat.answer, ANSWER.join(''));
    });

    it('ai: a "reload" mid-answer, then the AI SDK resumes the active stream (resumeStream): the whole answer, one model call', async () => {
      const { url, models } = await setup();
      const api = `${url}/api/chat`;
      const first = new Chat('chat-reload', api);
      const sending = first.sendMessage({ text: 'slow' });
      await waitFor(() => models.length === 1, 5000, 'the run to start');
      const model = models[0]!;
      model.release(3);
      await waitFor(() => first.answer === ANSWER.slice(0, 3).join(''), 5000, 'three tokens');
      await first.stop(); // the tab goes away: for the AI SDK a client abort is a disconnect
      await sending;
      // The reloaded page: a new chat with the stored messages (the user's) and the same id.
      const userOnly = first.all.filter((m) => m.role === 'user');
      const second = new Chat('chat-reload', api, structuredClone(userOnly));
      const resuming = second.resumeStream();
      await waitFor(() => second.answer === ANSWER.slice(0, 3).join(''), 5000, 'the replay');
      model.release(ANSWER.length - 3); // then live

      await resuming;
      assert.equal(second.answer, ANSWER.join(''), 'replayed from the start, then live to the end');
      assert.equal(model.calls, 1, 'the model was called once');
      assert.equal(model.aborted.length, 0, 'the reload did not stop the model');
      const third = new Chat('chat-reload', api, structuredClone(userOnly));
      await third.resumeStream();
      assert.equal(third.answer, '', 'no active run any more: 204, nothing to resume');
    });
  });
}
