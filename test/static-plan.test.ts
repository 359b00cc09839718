import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  contentTypeOf,
  planFileResponse,
  weakETag,
  type FileRequestHeaders,
} from '../src/static/index.js';

// A 1000-byte file modified at 2024-01-02T03:04:05.500Z: the half second proves that HTTP dates
// (whole seconds) are compared at one-second resolution.
const SIZE = 1000;
const MTIME_SECONDS = Date.UTC(2024, 0, 2, 3, 4, 5) / 1000 + 0.5;
const LAST_MODIFIED = 'Tue, 02 Jan 2024 03:04:05 GMT';

let dir = '';
let file = '';
let fileStat: Stats;
let emptyStat: Stats;
let etag = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-plan-'));
  file = join(dir, 'page.html');
  await writeFile(file, 'x'.repeat(SIZE));
  await utimes(file, MTIME_SECONDS, MTIME_SECONDS);
  fileStat = await stat(file);
  await writeFile(join(dir, 'empty.txt'), '');
  emptyStat = await stat(join(dir, 'empty.txt'));
  etag = weakETag(fileStat);
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function plan(headers: Partial<FileRequestHeaders>, s: Stats = fileStat) {
  return planFileResponse(s, { method: 'GET', ...headers }, file);
}

void describe('planFileResponse headers', () => {
  void it('answers 200 with type, length, validators, ranges and cache headers', () => {
    assert.deepEqual(plan({}), {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': '1000',
        'Accept-Ranges': 'bytes',
        ETag: etag,
        'Last-Modified': LAST_MODIFIED,
        'Cache-Control': 'public, max-age=0',
      },
    });
  });

  void it('builds a weak ETag from size and mtime in hex', () => {
    const mtimeMs = Math.floor(fileStat.mtimeMs);
    assert.equal(etag, `W/"3e8-${mtimeMs.toString(16)}"`);
    assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
  });

  const types: [file: string, type: string][] = [
    ['a.html', 'text/html; charset=utf-8'],
    ['a.txt', 'text/plain; charset=utf-8'],
    ['a.css', 'text/css; charset=utf-8'],
    ['a.js', 'text/javascript; charset=utf-8'],
    ['a.json', 'application/json; charset=utf-8'],
    ['a.png', 'image/png'],
    ['a.wasm', 'application/wasm'],
    ['A.PNG', 'image/png'],
    ['a.unknown-extension', 'application/octet-stream'],
    ['Makefile', 'application/octet-stream'],
  ];
  for (const [name, type] of types) {
    void it(`types ${name} as ${type}`, () => {
      assert.equal(contentTypeOf(name), type);
      assert.equal(
        planFileResponse(fileStat, { method: 'GET' }, join(dir, name)).headers['Content-Type'],
        type,
      );
    });
  }

  void it('sends the given Cache-Control, or none when it is false', () => {
    const custom = planFileResponse(fileStat, { method: 'GET' }, file, {
      cacheControl: 'no-cache',
    });
    assert.equal(custom.headers['Cache-Control'], 'no-cache');
    const none = planFileResponse(fileStat, { method: 'GET' }, file, { cacheControl: false });
    assert.equal('Cache-Control' in none.headers, false);
  });

  void it('answers 200 with Content-Length 0 for an empty file', () => {
    const p = plan({}, emptyStat);
    assert.equal(p.status, 200);
    assert.equal(p.headers['Content-Length'], '0');
  });
});

void describe('planFileResponse conditional requests', () => {
  const notModifiedHeaders = () => ({
    ETag: etag,
    'Last-Modified': LAST_MODIFIED,
    'Cache-Control': 'public, max-age=0',
  });

  void it('answers 304 with ETag, Last-Modified and Cache-Control only when If-None-Match matches', () => {
    assert.deepEqual(plan({ ifNoneMatch: etag }), { status: 304, headers: notModifiedHeaders() });
  });

  const cases: [name: string, headers: () => Partial<FileRequestHeaders>, status: number][] = [
    [
      'If-None-Match, strong form of our tag (weak comparison)',
      () => ({ ifNoneMatch: etag.slice(2) }),
      304,
    ],
    [
      'If-None-Match list holding our tag',
      () => ({ ifNoneMatch: `"other", ${etag} , W/"x"` }),
      304,
    ],
    ['If-None-Match list without our tag', () => ({ ifNoneMatch: '"other", W/"3e8-0"' }), 200],
    ['If-None-Match *', () => ({ ifNoneMatch: '*' }), 304],
    ['If-None-Match garbage', () => ({ ifNoneMatch: 'not-a-tag' }), 200],
    [
      'If-None-Match mismatch beats a matching If-Modified-Since',
      () => ({ ifNoneMatch: '"other"', ifModifiedSince: 'Wed, 01 Jan 2098 00:00:00 GMT' }),
      200,
    ],
    [
      'If-None-Match match beats an older If-Modified-Since',
      () => ({ ifNoneMatch: etag, ifModifiedSince: 'Mon, 01 Jan 2001 00:00:00 GMT' }),
      304,
    ],
    ['If-Modified-Since equal to Last-Modified', () => ({ ifModifiedSince: LAST_MODIFIED }), 304],
    ['If-Modified-Since later', () => ({ ifModifiedSince: 'Wed, 03 Jan 2024 00:00:00 GMT' }), 304],
    [
      'If-Modified-Since one second earlier',
      () => ({ ifModifiedSince: 'Tue, 02 Jan 2024 03:04:04 GMT' }),
      200,
    ],
    ['If-Modified-Since not a date', () => ({ ifModifiedSince: 'yesterday' }), 200],
    ['HEAD with a matching If-None-Match', () => ({ method: 'HEAD', ifNoneMatch: etag }), 304],
    [
      'POST with a matching If-None-Match (conditionals apply to GET/HEAD)',
      () => ({ method: 'POST', ifNoneMatch: etag }),
      200,
    ],
    [
      'a matching If-None-Match beats a Range',
      () => ({ ifNoneMatch: etag, range: 'bytes=0-9' }),
      304,
    ],
  ];
  for (const [name, headers, status] of cases) {
    void it(`${name} -> ${status}`, () => {
      const p = plan(headers());
      assert.equal(p.status, status);
      if (status === 304) assert.deepEqual(p.headers, notModifiedHeaders());
    });
  }
});

void describe('planFileResponse ranges', () => {
  const satisfiable: [range: string, start: number, end: number][] = [
    ['bytes=0-99', 0, 99],
    ['bytes=900-', 900, 999],
    ['bytes=-100', 900, 999],
    ['bytes=-5000', 0, 999],
    ['bytes=990-5000', 990, 999],
    ['bytes=999-999', 999, 999],
    ['bytes=0-0', 0, 0],
    ['Bytes=0-0', 0, 0],
    [' bytes = 10-19 , ', 10, 19],
  ];
  for (const [range, start, end] of satisfiable) {
    void it(`${JSON.stringify(range)} -> 206 bytes ${start}-${end}/1000`, () => {
      const p = plan({ range });
      assert.equal(p.status, 206);
      assert.deepEqual(p.range, { start, end });
      assert.equal(p.headers['Content-Range'], `bytes ${start}-${end}/1000`);
      assert.equal(p.headers['Content-Length'], String(end - start + 1));
      assert.equal(p.headers['Content-Type'], 'text/html; charset=utf-8');
      assert.equal(p.headers.ETag, etag);
    });
  }

  const unsatisfiable: [range: string, stat: () => Stats][] = [
    ['bytes=1000-', () => fileStat],
    ['bytes=5000-6000', () => fileStat],
    ['bytes=-0', () => fileStat],
    ['bytes=0-', () => emptyStat],
    ['bytes=-10', () => emptyStat],
  ];
  for (const [range, s] of unsatisfiable) {
    void it(`${JSON.stringify(range)} -> 416 with Content-Range bytes */size`, () => {
      const st = s();
      const p = plan({ range }, st);
      assert.equal(p.status, 416);
      assert.equal(p.range, undefined);
      assert.deepEqual(p.headers, {
        'Content-Range': `bytes */${st.size}`,
        'Accept-Ranges': 'bytes',
      });
    });
  }

  const whole: [name: string, range: string][] = [
    ['several ranges (no multipart)', 'bytes=0-9,20-29'],
    ['several ranges, one unsatisfiable', 'bytes=0-9,5000-6000'],
    ['an unknown unit', 'items=0-9'],
    ['no unit', '0-9'],
    ['letters', 'bytes=abc'],
    ['a reversed range', 'bytes=50-10'],
    ['a bare dash', 'bytes=-'],
    ['two dashes', 'bytes=0-1-2'],
    ['an empty set', 'bytes='],
    ['a negative start', 'bytes=--5'],
    ['a fractional bound', 'bytes=0.5-9'],
  ];
  for (const [name, range] of whole) {
    void it(`${name} (${JSON.stringify(range)}) -> 200 whole file`, () => {
      const p = plan({ range });
      assert.equal(p.status, 200);
      assert.equal(p.range, undefined);
      assert.equal(p.headers['Content-Length'], '1000');
      assert.equal('Content-Range' in p.headers, false);
    });
  }

  void it('ignores Range on HEAD (range handling is defined for GET only)', () => {
    const p = plan({ method: 'HEAD', range: 'bytes=0-9' });
    assert.equal(p.status, 200);
    assert.equal(p.headers['Content-Length'], '1000');
  });

  const ifRange: [name: string, value: () => string, status: number][] = [
    ['If-Range equal to Last-Modified', () => LAST_MODIFIED, 206],
    ['If-Range an older date', () => 'Mon, 01 Jan 2024 00:00:00 GMT', 200],
    ['If-Range a newer date', () => 'Wed, 03 Jan 2024 00:00:00 GMT', 200],
    ['If-Range our weak ETag (If-Range compares strongly)', () => etag, 200],
    ['If-Range a strong ETag', () => etag.slice(2), 200],
    ['If-Range garbage', () => 'whenever', 200],
  ];
  for (const [name, value, status] of ifRange) {
    void it(`${name} -> ${status}`, () => {
      const p = plan({ range: 'bytes=0-9', ifRange: value() });
      assert.equal(p.status, status);
      assert.equal(p.headers['Content-Length'], status === 206 ? '10' : '1000');
    });
  }

  void it('If-Range mismatch sends the whole file even when the range is unsatisfiable', () => {
    assert.equal(plan({ range: 'bytes=5000-', ifRange: etag }).status, 200);
  });
});
