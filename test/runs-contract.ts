// The durable-runs contract, run against each backend (test/runs-memory.test.ts,
// test/runs-redis.test.ts): a real Sluice server on port 0, real HTTP clients, a scripted fake
// model released token by token by the test (no sleeps where an event can be awaited).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { HttpError, SluiceError, type Hub, type Runs, type RunsOptions } from '../src/index.js';
import { createRuns } from '../src/index.js';
import { memoryLogger, startServer, waitFor, type LogRecord } from './helpers/server.js';
import { chatRoutes, endOf, readEvents, ScriptedModel, text, type Ev } from './helpers/runs.js';

/** A promise and its resolve (Node 20 has no Promise.withResolvers). */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export interface Backend {
  name: string;
  hub(): Hub;
  /** Options every Runs of this backend gets (before the test's own). */
  options?: RunsOptions;
}

const WORDS = ['The ', 'sky ', 'is ', 'blue ', 'because ', 'of ', 'Rayleigh ', 'scattering.'];

export function runsContract(backend: Backend): void {
  /** A Runs over a fresh hub and a server with the chat routes; closed after the test. */
  async function setup(
    options: RunsOptions = {},
    model: () => ScriptedModel = () => new ScriptedModel(WORDS),
  ): Promise<{ runs: Runs; url: string; models: ScriptedModel[] }> {
    const hub = backend.hub();
    const runs = createRuns(hub, { logger: memoryLogger(), ...backend.options, ...options });
    const models: ScriptedModel[] = [];
    const { url } = await startServer((s) =>
      chatRoutes(s, runs, () => {
        const m = model();
        models.push(m);
        return m;
      }),
    );
    after(async () => {
      await runs.close();
      await hub.close();
    });
    return { runs, url, models };
  }

  const post = (url: string, user?: string): Promise<Response> =>
    fetch(`${url}/chat`, { method: 'POST', headers: user ? { 'x-user': user } : {} });
  const follow = (url: string, id: string, init: Record<string, string> = {}): Promise<Response> =>
    fetch(`${url}/chat/${id}`, { headers: init });

  describe(`durable runs (${backend.name})`, () => {
    it('a POST starts a run and streams it from its first event to sluice-end, then the response ends', async () => {
      const { url, models } = await setup();
      const res = await post(url);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
      const id = res.headers.get('x-run-id')!;
      assert.match(id, /^[A-Za-z0-9_-]{22}$/, '128 random bits, base64url');
      models[0]!.release(WORDS.length);
      const { events, complete } = await readEvents(res);
      assert.ok(complete, 'the response ended cleanly after the terminal event');
      assert.equal(text(events), WORDS.join(''));
      assert.deepEqual(endOf(events), { outcome: 'done', tokens: WORDS.length });
      assert.equal(events.at(-1)!.event, 'sluice-end', 'the terminal event is last');
      const ids = events.map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'every event has its own id');
    });

    it('the producer runs detached: the client leaves mid-answer, the run goes on, and a reconnect with Last-Event-ID gets the rest, none lost or repeated; after the end, 204', async () => {
      const { url, models } = await setup();
      const res = await post(url);
      const id = res.headers.get('x-run-id')!;
      const m = models[0]!;
      m.release(3);
      const first = await readEvents(res, (_e, all) => all.length === 3); // then the client leaves
      assert.equal(first.events.length, 3);
      m.release(WORDS.length - 3); // the model goes on with nobody attached
      const again = await follow(url, id, { 'last-event-id': first.events.at(-1)!.id! });
      const rest = await readEvents(again);
      assert.equal(text([...first.events, ...rest.events]), WORDS.join(''));
      assert.equal(m.calls, 1, 'one model call');
      assert.equal(m.aborted.length, 0, 'leaving is not cancelling');
      assert.equal(endOf(rest.events)?.outcome, 'done');
      const endId = rest.events.at(-1)!.id!;
      const after = await follow(url, id, { 'last-event-id': endId });
      assert.equal(after.status, 204, 'a client that saw the end is told to stop');
    });

    it('a malformed or foreign Last-Event-ID gets sluice-reset, then the whole history: never a silent skip', async () => {
      const { runs, url } = await setup();
      const run = await runs.start(async ({ token }) => {
        await token('a');
        await token('b');
      });
      await run.done;
      for (const bad of ['garbage', 'zzzzzzzzzz-1', `${'x'.repeat(200)}`]) {
        const { events } = await readEvents(await follow(url, run.id, { 'last-event-id': bad }));
        assert.equal(events[0]!.event, 'sluice-reset', bad);
        assert.equal(text(events), 'ab');
        assert.equal(endOf(events)?.outcome, 'done');
      }
    });

    it('a follower joining a run whose history is far past the per-stream cap (3 MB) gets all of it, paced by its reading; a resume in the middle gets the rest', async () => {
      const { runs, url } = await setup({ maxBytes: 64 << 20 });
      const chunk = 'y'.repeat(30_000);
      const run = await runs.start(async ({ token }) => {
        for (let i = 0; i < 100; i++) await token(`${i}:${chunk}`);
      });
      await run.done;
      const whole = await readEvents(await follow(url, run.id));
      assert.ok(whole.complete, 'not cut');
      assert.equal(whole.events.filter((e) => e.event === 'token').length, 100);
      assert.equal(endOf(whole.events)?.outcome, 'done');
      const middle = whole.events[39]!.id!;
      const rest = await readEvents(await follow(url, run.id, { 'last-event-id': middle }));
      const tokens = rest.events
        .filter((e) => e.event === 'token')
        .map((e) => e.data.split(':')[0]);
      assert.deepEqual(
        tokens,
        Array.from({ length: 60 }, (_, i) => String(40 + i)),
      );
    });

    it('two followers (tabs) share one producer and get the same events in the same order', async () => {
      const { url, models } = await setup();
      const res = await post(url);
      const id = res.headers.get('x-run-id')!;
      const tab2 = await follow(url, id);
      assert.equal(tab2.status, 200);
      const m = models[0]!;
      const reading = [readEvents(res), readEvents(tab2)];
      m.release(WORDS.length);
      const [a, b] = await Promise.all(reading);
      assert.deepEqual(a!.events, b!.events);
      assert.equal(text(a!.events), WORDS.join(''));
      assert.equal(m.calls, 1);
    });

    it('cancel aborts the producer signal with SLUICE_RUN_CANCELLED; followers get sluice-end cancelled; an emit after it rejects', async () => {
      const { runs, url } = await setup();
      let emitAfter: unknown;
      let reason: unknown;
      const gate = deferred();
      const run = await runs.start(async ({ token, signal }) => {
        await token('a');
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        reason = signal.reason;
        emitAfter = await token('b').catch((e: unknown) => e);
        gate.resolve();
      });
      const res = await follow(url, run.id);
      const gotA = deferred();
      const reading = readEvents(res, (ev) => (ev.data === 'a' && gotA.resolve(), false));
      await gotA.promise;
      const stop = await fetch(`${url}/chat/${run.id}/stop`, { method: 'POST' });
      assert.equal(stop.status, 200);
      assert.deepEqual(await stop.json(), { id: run.id, outcome: 'cancelled' });
      await gate.promise;
      assert.equal((reason as SluiceError).code, 'SLUICE_RUN_CANCELLED');
      assert.equal(
        (emitAfter as SluiceError).code,
        'SLUICE_RUN_CANCELLED',
        'an emit after the end rejects with the reason',
      );
      const { events } = await reading;
      assert.equal(text(events), 'a');
      assert.equal(endOf(events)?.outcome, 'cancelled');
      assert.deepEqual(await run.done, { outcome: 'cancelled' });
      const twice = await runs.cancel(run.id);
      assert.deepEqual(twice, { id: run.id, outcome: 'cancelled' }, 'cancel is idempotent');
    });

    it('cancel of a run that is done answers its outcome and aborts nothing', async () => {
      const { runs } = await setup();
      const run = await runs.start(async ({ token }) => void (await token('x')));
      assert.deepEqual(await run.done, { outcome: 'done' });
      assert.deepEqual(await runs.cancel(run.id), { id: run.id, outcome: 'done' });
    });

    it('another owner gets 404 on follow and cancel, with the same body as an unknown or malformed id (no existence oracle); the owner gets the run', async () => {
      const { runs, url, models } = await setup();
      const res = await post(url, 'alice');
      const id = res.headers.get('x-run-id')!;
      const bodies = new Set<string>();
      for (const [path, user] of [
        [`/chat/${id}`, 'mallory'],
        [`/chat/${id}/stop`, 'mallory'],
        [`/chat/AAAAAAAAAAAAAAAAAAAAAA`, 'alice'],
        [`/chat/AAAAAAAAAAAAAAAAAAAAAA/stop`, 'alice'],
        [`/chat/..%2F${id}`, 'alice'],
      ] as const) {
        const r = await fetch(url + path, {
          method: path.endsWith('/stop') ? 'POST' : 'GET',
          headers: { 'x-user': user },
        });
        assert.equal(r.status, 404, `${path} as ${user}`);
        bodies.add(await r.text());
      }
      assert.equal(bodies.size, 1, 'one answer for every kind of miss');
      assert.equal(await runs.status(id, { owner: 'mallory' }), undefined);
      assert.equal((await runs.status(id, { owner: 'alice' }))?.state, 'running');
      const mine = await follow(url, id, { 'x-user': 'alice' });
      assert.equal(mine.status, 200);
      models[0]!.release(WORDS.length);
      assert.equal(text((await readEvents(mine)).events), WORDS.join(''));
      await readEvents(res);
    });

    it('an ended run stays replayable for ttl, then follow answers 404', async () => {
      const { runs, url } = await setup({ ttl: 300 });
      const run = await runs.start(async ({ token }) => void (await token('x')));
      await run.done;
      const replay = await readEvents(await follow(url, run.id));
      assert.equal(text(replay.events), 'x');
      assert.equal(endOf(replay.events)?.outcome, 'done');
      const deadline = Date.now() + 5000;
      let status = 200;
      while (status !== 404 && Date.now() < deadline) {
        const r = await follow(url, run.id);
        status = r.status;
        await r.body?.cancel();
        if (status !== 404) await new Promise((f) => setTimeout(f, 50));
      }
      assert.equal(status, 404, 'expired');
      assert.equal(await runs.status(run.id), undefined);
    });

    it('past maxEvents the emit rejects with SLUICE_RUN_HISTORY_FULL, the producer signal aborts with it, and followers get failed with that code: nothing dropped silently', async () => {
      const { runs, url } = await setup({ maxEvents: 5 });
      let rejected: unknown;
      let signalReason: unknown;
      const seen = deferred();
      const run = await runs.start(async ({ token, signal }) => {
        for (let i = 0; i < 5; i++) await token(String(i));
        rejected = await token('5').catch((e: unknown) => e);
        signalReason = signal.reason;
        seen.resolve();
      });
      const end = await run.done;
      await seen.promise;
      assert.equal((rejected as SluiceError).code, 'SLUICE_RUN_HISTORY_FULL');
      assert.equal(signalReason, rejected);
      assert.equal(end.outcome, 'failed');
      assert.equal(end.code, 'SLUICE_RUN_HISTORY_FULL');
      const { events } = await readEvents(await follow(url, run.id));
      assert.equal(text(events), '01234');
      assert.equal(endOf(events)?.code, 'SLUICE_RUN_HISTORY_FULL');
    });

    it('past maxBytes likewise (UTF-8 bytes of data and event name)', async () => {
      const { runs } = await setup({ maxBytes: 100 });
      let rejected: unknown;
      const seen = deferred();
      const run = await runs.start(async ({ token }) => {
        await token('é'.repeat(45)); // 90 bytes + "token" = 95
        rejected = await token('x').catch((e: unknown) => e);
        seen.resolve();
      });
      assert.equal((await run.done).code, 'SLUICE_RUN_HISTORY_FULL');
      await seen.promise;
      assert.equal((rejected as SluiceError).code, 'SLUICE_RUN_HISTORY_FULL');
    });

    it('a token larger than maxEventSize fails the run (SLUICE_HUB_EVENT_TOO_LARGE); a non-string token or a reserved event name fails it with SLUICE_RUN_EVENT', async () => {
      const { runs } = await setup({ maxEventSize: 1024 });
      const huge = await runs.start(async ({ token }) => void (await token('x'.repeat(2000))));
      assert.equal((await huge.done).code, 'SLUICE_HUB_EVENT_TOO_LARGE');
      const obj = await runs.start(
        async ({ emit }) => void (await emit({ event: 'token', data: { t: 1 } })),
      );
      assert.equal((await obj.done).code, 'SLUICE_RUN_EVENT');
      const reserved = await runs.start(
        async ({ emit }) => void (await emit({ event: 'sluice-end', data: 'x' })),
      );
      assert.equal((await reserved.done).code, 'SLUICE_RUN_EVENT');
    });

    it('a producer that throws fails the run with a safe message (never the error text), logged; an HttpError shows its own message', async () => {
      const records: LogRecord[] = [];
      const logger = memoryLogger(records);
      const { runs, url } = await setup({ logger });
      const secret = await runs.start(async ({ token }) => {
        await token('a');
        throw new Error('password=hunter2 at db.internal');
      });
      const end = await secret.done;
      assert.deepEqual(end, {
        outcome: 'failed',
        message: 'the run failed',
        code: 'SLUICE_RUN_FAILED',
      });
      const { events } = await readEvents(await follow(url, secret.id));
      assert.ok(!JSON.stringify(events).includes('hunter2'), 'the secret never reaches a client');
      assert.ok(
        records.some((r) => r.level === 'error'),
        'the real error is logged',
      );
      const http = await runs.start(() => {
        throw new HttpError(429, 'the model is rate-limited, try again in a minute');
      });
      assert.equal((await http.done).message, 'the model is rate-limited, try again in a minute');
    });

    it('emits made without awaiting land in order, before the end', async () => {
      const { runs } = await setup();
      const run = await runs.start(async ({ token }) => {
        for (let i = 0; i < 200; i++) void token(`${i},`);
      });
      await run.done;
      const seen: string[] = [];
      for await (const ev of runs.events(run.id))
        seen.push(ev.event === 'token' ? ev.data : `[${ev.event}]`);
      assert.equal(
        seen.join(''),
        Array.from({ length: 200 }, (_, i) => `${i},`).join('') + '[sluice-end]',
      );
    });

    it('cancelWhenUnwatched: the producer is aborted once no follower has been attached for that long, and only then', async () => {
      const { url, models } = await setup({ cancelWhenUnwatched: 300 });
      const res = await post(url);
      const id = res.headers.get('x-run-id')!;
      const m = models[0]!;
      m.release(1);
      const first = await readEvents(res, (_e, all) => all.length === 1); // the only tab leaves
      // A second tab comes and goes: the clock restarts when it leaves.
      const tab = await follow(url, id, { 'last-event-id': first.events[0]!.id! });
      m.release(1);
      await readEvents(tab, (_e, all) => all.length === 1);
      const left = Date.now();
      await waitFor(() => m.aborted.length === 1, 5000, 'the producer to be aborted');
      assert.ok(
        Date.now() - left >= 250,
        `aborted ${Date.now() - left} ms after the last follower left`,
      );
      assert.equal((m.aborted[0] as SluiceError).code, 'SLUICE_RUN_CANCELLED');
      const replay = await readEvents(await follow(url, id));
      assert.equal(endOf(replay.events)?.outcome, 'cancelled');
    });

    it('a follower that never reads is cut by the slow-reader policy while the producer and another follower go on to the end', async () => {
      const { runs, url } = await setup({ maxBytes: 64 << 20, maxTotalBytes: 64 << 20 });
      const chunk = 'x'.repeat(64 * 1024);
      const count = 256; // 16 MiB: past the 1 MiB per-stream cap and the socket buffers
      const gate = deferred();
      let goodSeen = 0;
      let wake: (() => void) | undefined;
      const run = await runs.start(async ({ token }) => {
        await gate.promise;
        for (let i = 0; i < count; i++) {
          // Paced by the reading follower, so only the one that never reads falls behind.
          while (goodSeen < i) await new Promise<void>((resolve) => (wake = resolve));
          await token(chunk);
        }
      });
      const { port, hostname } = new URL(url);
      const stuck = net.connect({ port: Number(port), host: hostname });
      stuck.write(`GET /chat/${run.id} HTTP/1.1\r\nHost: x\r\n\r\n`);
      stuck.pause(); // never reads
      let received = '';
      stuck.on('error', () => {});
      const good = await follow(url, run.id);
      const reading = readEvents(good, () => {
        goodSeen++;
        wake?.();
        return false;
      });
      gate.resolve();
      const end = await run.done;
      assert.equal(end.outcome, 'done', 'the producer was never held back');
      const { events } = await reading;
      assert.equal(events.filter((e) => e.event === 'token').length, count);
      assert.equal(endOf(events)?.outcome, 'done');
      // Now it reads: what the server had sent before it cut the stream, then the close.
      // (a response that ended normally keeps the connection: its terminating chunk is the cue)
      const closed = new Promise<void>((resolve) => {
        stuck.once('close', () => resolve());
        stuck.on('data', (c: Buffer) => {
          received += c.toString('latin1');
          if (received.endsWith('0\r\n\r\n')) resolve();
        });
      });
      stuck.resume();
      await closed;
      assert.ok(received.startsWith('HTTP/1.1 200'), 'it was being served');
      assert.ok(!received.includes('sluice-end'), 'cut off: it never got the end');
      assert.ok(!received.endsWith('0\r\n\r\n'), 'no terminating chunk: a cut, not an end');
    });

    it('runs.events replays the history then follows live to the terminal event', async () => {
      const { runs } = await setup();
      const m = new ScriptedModel(['a', 'b', 'c']);
      const run = await runs.start(async ({ token, signal }) => {
        for await (const t of m.stream(signal)) await token(t);
      });
      m.release(1);
      const seen: Ev[] = [];
      const reading = (async () => {
        for await (const ev of runs.events(run.id)) {
          seen.push({ id: ev.id, event: ev.event, data: ev.data });
          if (seen.length === 1) m.release(2);
        }
      })();
      await reading;
      assert.equal(text(seen), 'abc');
      assert.equal(seen.at(-1)!.event, 'sluice-end');
    });

    it('close() fails the runs produced here (SLUICE_SHUTDOWN) so their followers end at once', async () => {
      const hub = backend.hub();
      after(() => hub.close());
      const runs = createRuns(hub, { logger: memoryLogger(), ...backend.options });
      let reason: unknown;
      const started = deferred();
      const run = await runs.start(
        ({ signal }) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => ((reason = signal.reason), resolve()), {
              once: true,
            });
            started.resolve();
          }),
      );
      await started.promise;
      await runs.close();
      assert.equal((reason as SluiceError).code, 'SLUICE_SHUTDOWN');
      assert.equal((await run.done).code, 'SLUICE_SHUTDOWN');
    });

    it('ids are 128 random bits, unique; a custom id is checked and a taken one refused with SLUICE_RUN_EXISTS', async () => {
      const { runs } = await setup();
      const ids = new Set<string>();
      for (let i = 0; i < 200; i++) ids.add((await runs.start(() => {})).id);
      assert.equal(ids.size, 200);
      for (const id of ids) assert.equal(Buffer.from(id, 'base64url').length, 16);
      await runs.start(() => {}, { id: 'chat-123_abc' });
      await assert.rejects(
        runs.start(() => {}, { id: 'chat-123_abc' }),
        { code: 'SLUICE_RUN_EXISTS' },
      );
      await assert.rejects(
        runs.start(() => {}, { id: 'a/b' }),
        { code: 'SLUICE_RUN_ID' },
      );
    });
  });
}
