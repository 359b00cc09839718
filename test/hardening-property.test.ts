// Property tests on what hostile input reaches first (router, Content-Type parser, SSE encoder)
// and a bounded byte-mutation fuzz of the request corpus against a real server.
// FUZZ_COUNT sets the number of mutated inputs (default 300), FUZZ_SEED replays a run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Router } from '../src/router/index.js';
import { SluiceError } from '../src/errors/index.js';
import { isJsonType, parseContentType } from '../src/http/content-type.js';
import { dataText, encodeEvent, type SseEvent } from '../src/codec/sse.js';
import type { Server } from '../src/index.js';
import { caseBytes, loadCorpus } from './corpus/corpus.js';
import { exchange } from './helpers/raw-http.js';
import { startCorpusServer } from './corpus/corpus-server.js';
import { inheritsNothing } from './helpers/server.js';

const RUNS = 300;

function codeOf(err: unknown): string | undefined {
  return err instanceof SluiceError ? err.code : undefined;
}

describe('router properties', () => {
  const patternChars = fc.constantFrom(...'/:{}*@.-_ab1'.split(''));
  const pattern = fc.string({ unit: patternChars, maxLength: 24 });
  const anyPath = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'/a%2F.:{}*é\\'.split('')), maxLength: 30 }),
  );

  it('add() accepts a pattern or throws a coded route error, never anything else', () => {
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 8 }), anyPath, (patterns, path) => {
        const router = new Router<number>();
        patterns.forEach((p, i) => {
          try {
            router.add('GET', p, i);
          } catch (err) {
            assert.ok(
              ['SLUICE_ROUTE_PATTERN', 'SLUICE_ROUTE_DUPLICATE'].includes(codeOf(err) ?? ''),
              `add(${JSON.stringify(p)}) threw ${String(err)}`,
            );
          }
        });
        const m = router.match('GET', undefined, path);
        assert.ok(['found', 'not-found', 'method-not-allowed', 'options'].includes(m.kind));
        if (m.kind === 'found') {
          for (const v of Object.values(m.params)) assert.equal(typeof v, 'string');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('match() never throws on any method, host or path', () => {
    const router = new Router<string>();
    for (const p of ['/', '/user/{id}', '/file/*path', '/order/{id}.html', '/a/:b/c']) {
      router.add('GET', p, p);
    }
    router.add('POST', '/x', 'x', 'example.com');
    fc.assert(
      fc.property(
        fc.string({ maxLength: 10 }),
        fc.option(fc.string({ maxLength: 20 })),
        anyPath,
        (method, host, path) => {
          const m = router.match(method, host ?? undefined, path);
          assert.ok(['found', 'not-found', 'method-not-allowed', 'options'].includes(m.kind));
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });
});

describe('Content-Type parser properties', () => {
  const token = fc.string({
    unit: fc.constantFrom(...'abcJSON+-.!#1'.split('')),
    minLength: 1,
    maxLength: 8,
  });
  const quotedValue = fc.string({ unit: fc.constantFrom(...'ab "\\;=\t'.split('')), maxLength: 8 });

  it('parses any string to null or a well-formed media type, without throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 60 }),
          fc.string({ unit: fc.constantFrom(...'a/;= \t"\\jsonJSON+'.split('')), maxLength: 40 }),
        ),
        (header) => {
          const ct = parseContentType(header);
          isJsonType(header);
          if (ct === null) return;
          assert.match(ct.type, /^[!#$%&'*+.^_`|~0-9a-z-]+\/[!#$%&'*+.^_`|~0-9a-z-]+$/);
          assert.ok(inheritsNothing(ct.params), 'nothing inherited');
          for (const k of Object.keys(ct.params)) assert.equal(k, k.toLowerCase());
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('round-trips a serialized media type with quoted parameters', () => {
    fc.assert(
      fc.property(
        token,
        token,
        fc.uniqueArray(token, {
          maxLength: 3,
          comparator: (a, b) => a.toLowerCase() === b.toLowerCase(),
        }),
        fc.array(quotedValue, { minLength: 3, maxLength: 3 }),
        (type, sub, names, values) => {
          const params = names.map((n, i) => `${n}="${values[i]!.replace(/[\\"]/g, '\\$&')}"`);
          const header = [`${type}/${sub}`, ...params].join('; ');
          const ct = parseContentType(header);
          assert.ok(ct, header);
          assert.equal(ct.type, `${type}/${sub}`.toLowerCase());
          names.forEach((n, i) => assert.equal(ct.params[n.toLowerCase()], values[i]));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('SSE encoder properties', () => {
  const field = fc.string({ unit: fc.constantFrom(...'ab:\r\n\0 é'.split('')), maxLength: 8 });
  const event: fc.Arbitrary<SseEvent> = fc.record(
    {
      data: fc.oneof(
        fc.string({ unit: fc.constantFrom(...'ab\r\n: é'.split('')), maxLength: 20 }),
        fc.jsonValue(),
      ),
      event: field,
      id: field,
      retry: fc.oneof(fc.nat(), fc.integer({ min: -5, max: -1 }), fc.double()),
    },
    { requiredKeys: [] },
  );

  it('encodes an event a spec parser reads back exactly, or throws a coded error and writes nothing', () => {
    fc.assert(
      fc.property(event, (ev) => {
        let text: string;
        try {
          text = encodeEvent(ev);
        } catch (err) {
          assert.ok(
            ['SLUICE_SSE_FIELD', 'SLUICE_SSE_RETRY'].includes(codeOf(err) ?? ''),
            String(err),
          );
          const badField = [ev.id, ev.event].some((v) => v !== undefined && /[\r\n\0]/.test(v));
          const badRetry =
            ev.retry !== undefined && !(Number.isSafeInteger(ev.retry) && ev.retry >= 0);
          assert.ok(badField || badRetry, `refused a valid event ${JSON.stringify(ev)}`);
          return;
        }
        assert.ok(text.endsWith('\n\n'));
        assert.ok(!text.slice(0, -2).includes('\n\n'), 'no blank line inside one event');
        const seen: EventSourceMessage[] = [];
        const retries: number[] = [];
        const parser = createParser({
          onEvent: (e) => seen.push(e),
          onRetry: (r) => retries.push(r),
        });
        parser.feed(text);
        if (ev.retry !== undefined) assert.deepEqual(retries, [ev.retry === 0 ? 0 : ev.retry]); // -0 is sent as 0
        // An event of fields but no data dispatches nothing (a retry-only hint, as EventSource).
        const fieldsOnly =
          ev.data === undefined &&
          (ev.event !== undefined || ev.id !== undefined || ev.retry !== undefined);
        assert.equal(seen.length, fieldsOnly ? 0 : 1);
        if (fieldsOnly) return;
        // No field at all is an empty message.
        const data = ('data' in ev ? dataText(ev.data) : '').replace(/\r\n?/g, '\n');
        assert.equal(seen[0]!.data, data);
        if (ev.event !== undefined && ev.event !== '') assert.equal(seen[0]!.event, ev.event);
        if (ev.id !== undefined) assert.equal(seen[0]!.id, ev.id);
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

// ---- mutation fuzz ---------------------------------------------------------------------------

const FUZZ_COUNT = Number(process.env.FUZZ_COUNT ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const FUZZ_TIMEOUT = 700; // request timeout of the fuzzed server; header timeout 500
const PARALLEL = 16;
const INTERESTING = [
  '\r\n',
  '\n',
  '\r',
  '\0',
  ':',
  ' ',
  '\t',
  '\r\n\r\n',
  'chunked',
  '0\r\n\r\n',
  '#',
  '%',
  '/',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Host: b\r\n',
  'Expect: 100-continue\r\n',
  '\u00ff',
  '\u00c3',
  '{',
  '"__proto__"',
  '\\u',
  'HTTP/1.1',
  'ffffffff',
  ';',
  ',',
].map((s) => Buffer.from(s, 'latin1'));

/** mulberry32: a small seeded PRNG, so a failing run replays with FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Mutant {
  parts: Buffer[];
  ops: string[];
}

function mutate(seeds: Buffer[], rand: () => number): Mutant {
  const int = (n: number): number => Math.floor(rand() * n);
  let buf = seeds[int(seeds.length)]!;
  const ops: string[] = [];
  let split: number | undefined;
  for (let k = 1 + int(3); k > 0; k--) {
    const at = int(buf.length + 1);
    const len = 1 + int(Math.min(16, Math.max(1, buf.length - at)));
    switch (int(5)) {
      case 0:
        ops.push(`delete ${at}+${len}`);
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + len)]);
        break;
      case 1: {
        const piece =
          rand() < 0.7 ? INTERESTING[int(INTERESTING.length)]! : Buffer.from([int(256)]);
        ops.push(`insert ${at} ${JSON.stringify(piece.toString('latin1'))}`);
        buf = Buffer.concat([buf.subarray(0, at), piece, buf.subarray(at)]);
        break;
      }
      case 2:
        ops.push(`duplicate ${at}+${len}`);
        buf = Buffer.concat([
          buf.subarray(0, at + len),
          buf.subarray(at, at + len),
          buf.subarray(at + len),
        ]);
        break;
      case 3:
        ops.push(`split ${at}`);
        split = at;
        break;
      default: {
        const other = seeds[int(seeds.length)]!;
        ops.push('concatenate');
        buf = Buffer.concat([buf, other]);
      }
    }
  }
  const parts =
    split !== undefined && split < buf.length
      ? [buf.subarray(0, split), buf.subarray(split)]
      : [buf];
  return { parts, ops };
}

describe('byte-mutation fuzz of the corpus', () => {
  let s: Server;
  before(async () => {
    s = await startCorpusServer(FUZZ_TIMEOUT);
  });
  after(() => s.shutdown({ timeout: 200 }));

  it(`${FUZZ_COUNT} mutated requests: no crash, no 5xx but 501/505, at most one response per request, an answer or a close within 1 s`, async () => {
    // Small cases only: the big ones (1 MiB bodies) are covered by the corpus test itself.
    const seeds = loadCorpus()
      .filter((c) => c.fuzz !== false)
      .map((c) => caseBytes(c))
      .filter((b) => b.length <= 8 * 1024);
    const rand = prng(SEED);
    const mutants = Array.from({ length: FUZZ_COUNT }, () => mutate(seeds, rand));
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < mutants.length && failures.length < 5) {
        const m = mutants[next++]!;
        const input = Buffer.concat(m.parts);
        const x = await exchange(s.port, m.parts, { timeout: 1000, responses: 1, grace: 50 });
        // Each request ends its head with a blank line, and garbage gets one refusal at most.
        const heads = input.toString('latin1').match(/\r?\n\r?\n/g)?.length ?? 0;
        const problems: string[] = [];
        x.responses.forEach((r, i) => {
          if (r.status >= 500 && r.status !== 501 && r.status !== 505)
            problems.push(`status ${r.status}`);
          const closes = r.headers.connection?.some((v) => v.toLowerCase() === 'close');
          if (closes && i < x.responses.length - 1)
            problems.push('a response after Connection: close');
          if (!r.complete && i < x.responses.length - 1) problems.push('an incomplete response');
        });
        if (x.responses.length > heads + 1)
          problems.push(`${x.responses.length} responses to ${heads} request heads`);
        if (x.garbage.length > 0)
          problems.push(
            `unparseable output ${JSON.stringify(x.garbage.toString('latin1', 0, 80))}`,
          );
        if (x.responses.length === 0 && !x.closed)
          problems.push('no answer and not closed within 1 s');
        if (problems.length > 0) {
          failures.push(
            `${problems.join('; ')} after ${m.ops.join(', ')}: ${JSON.stringify(input.toString('latin1').slice(0, 300))}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    assert.deepEqual(failures, [], `FUZZ_SEED=${SEED}`);
    // Still serving.
    const ok = await exchange(s.port, Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), {
      responses: 1,
    });
    assert.equal(ok.responses[0]?.status, 200);
    assert.equal(s.stats().streams, 0);
  });
});
