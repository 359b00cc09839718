// The corpus of hostile requests (test/corpus/requests.json), each sent raw on a fresh socket
// and pipelined after a valid request: exact status, one complete response, `Connection: close`
// and a closed socket for every refusal, and the route handler only where the case says so.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from '../src/index.js';
import { calls, startCorpusServer } from './corpus/corpus-server.js';
import { caseBytes, loadCorpus, type CorpusCase } from './corpus/corpus.js';
import { exchange, headerOf, type RawExchange } from './helpers/raw-http.js';

const REQUEST_TIMEOUT = 1000;
let s: Server;

const VALID = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\n', 'latin1');

function methodOf(bytes: Buffer): string {
  return bytes.toString('latin1', 0, 8).split(' ')[0] ?? '';
}

function describeExchange(x: RawExchange): string {
  const head = x.raw.toString('latin1', 0, 600).replace(/\r\n/g, '\\r\\n');
  return `closed=${x.closed} reset=${x.reset} ms=${x.ms} raw="${head}"`;
}

async function send(c: CorpusCase, pipelined: boolean): Promise<RawExchange> {
  const bytes = caseBytes(c);
  const accepted = c.status < 400;
  const want = pipelined ? 2 : 1;
  const x = await exchange(s.port, pipelined ? [VALID, bytes] : bytes, {
    timeout: c.timeout ? REQUEST_TIMEOUT + 2500 : 2500,
    // An accepted request leaves the connection open: stop once answered, then listen a little
    // for anything extra. A refusal must close the connection, so wait for that.
    ...(accepted || c.keepAlive ? { responses: want, grace: 30 } : {}),
    methods: pipelined ? ['GET', methodOf(bytes)] : [methodOf(bytes)],
  });
  const info = describeExchange(x);
  assert.equal(x.responses.length, want, `one response per request: ${info}`);
  assert.equal(x.garbage.length, 0, `nothing but responses: ${info}`);
  for (const res of x.responses) assert.ok(res.complete, `complete responses: ${info}`);
  if (pipelined) assert.equal(x.responses[0]!.status, 200, `the valid request first: ${info}`);
  const res = x.responses[want - 1]!;
  assert.equal(res.status, c.status, `status: ${info}`);
  if (!accepted && !c.keepAlive) {
    assert.equal(headerOf(res, 'connection')?.toLowerCase(), 'close', `Connection: close: ${info}`);
    assert.ok(x.closed, `the socket closes: ${info}`);
  }
  if (c.timeout) {
    assert.ok(x.ms >= REQUEST_TIMEOUT * 0.9, `cut at the request timeout, not before: ${info}`);
  }
  if (c.name.startsWith('expect-100-oversize')) assert.deepEqual(x.informational, []);
  return x;
}

describe('hardening corpus', () => {
  const corpus = loadCorpus();

  before(async () => {
    s = await startCorpusServer(REQUEST_TIMEOUT);
  });
  after(() => s.shutdown({ timeout: 200 }));

  it('holds at least 45 cases with unique names and a note where the status is debatable', () => {
    assert.ok(corpus.length >= 45, `${corpus.length} cases`);
    assert.equal(new Set(corpus.map((c) => c.name)).size, corpus.length);
  });

  for (const mode of ['fresh socket', 'pipelined after a valid request'] as const) {
    describe(mode, { concurrency: 8 }, () => {
      for (const c of corpus) {
        const title = `${c.name} -> ${c.status}${c.handler ? '' : ' (no handler)'}`;
        // A pending case still runs: its failure is reported as a todo, not a failure.
        it(title, c.pending ? { todo: c.pending } : {}, async () => {
          const pipelined = mode !== 'fresh socket';
          const x = await send(c, pipelined);
          // The valid pipelined GET / runs a handler; a refused case never reaches one.
          const ran = (calls.get(x.localPort) ?? 0) - (pipelined ? 1 : 0);
          if (!c.handler) assert.equal(ran, 0, `no handler runs for ${c.name}`);
          else assert.ok(ran <= 1, `the handler runs at most once for ${c.name}`);
        });
      }
    });
  }
});
