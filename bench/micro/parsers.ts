// Micro-benchmark of the HTTP parsers Sluice hands to libraries (issue 17, item 5):
// Content-Type, the Cookie header and the client address behind proxies. It measures the
// functions `src/http/` exports, whatever they are built on, so running it on two commits
// gives the before/after. Short (about 10 s); run it on an idle core:
//   nice -n 10 node --import tsx bench/micro/parsers.ts
import { Bench } from 'tinybench';
import { parseContentType } from '../../src/http/content-type.js';
import { parseCookieHeader } from '../../src/http/cookie.js';
import * as forwarded from '../../src/http/forwarded.js';

const contentTypes = [
  'application/json',
  'application/json; charset=utf-8',
  'multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW',
  'text/plain; charset="utf-8"; format=flowed',
];
const cookies = [
  'sid=abc123',
  'sid=s%3Aabc.def; theme=dark; _ga=GA1.2.123456789.1600000000; lang=en-GB; consent="yes"',
];
const xff = '203.0.113.7, 198.51.100.2, 10.0.0.2';

// The address function's signature changed with the trust lists; call whichever this build has.
const ip = forwarded.clientIp as (...args: unknown[]) => string;

const bench = new Bench({ time: 1500, warmupTime: 300 });
let sink = 0;
bench
  .add('parseContentType (4 headers)', () => {
    for (const h of contentTypes) sink += parseContentType(h)?.type.length ?? 0;
  })
  .add('parseCookieHeader (2 headers)', () => {
    for (const h of cookies) sink += Object.keys(parseCookieHeader(h)).length;
  })
  .add('clientIp, trustProxy 2', () => {
    sink += ip('10.0.0.1', xff, 2).length;
  })
  .add('clientIp, trustProxy true', () => {
    sink += ip('10.0.0.1', xff, true).length;
  });
if ('compileTrust' in forwarded) {
  const list = (forwarded as unknown as { compileTrust(v: unknown): unknown }).compileTrust([
    'loopback',
    '10.0.0.0/8',
  ]);
  bench.add("clientIp, trust ['loopback', '10.0.0.0/8']", () => {
    sink += ip('10.0.0.1', xff, list).length;
  });
}
await bench.run();
console.table(
  bench.tasks.map((t) => {
    const r = t.result as { throughput?: { mean: number }; latency?: { p50?: number } } | undefined;
    return {
      task: t.name,
      'ops/s': Math.round(r?.throughput?.mean ?? 0).toLocaleString('en-US'),
      'median ns': Math.round((r?.latency?.p50 ?? 0) * 1e6),
    };
  }),
);
if (sink === -1) console.log(sink);
