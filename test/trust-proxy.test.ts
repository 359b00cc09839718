// trustProxy through @fastify/proxy-addr: trust lists (CIDR, 'loopback', 'uniquelocal'), hop
// counts, a function, and RFC 7239 Forwarded, over real HTTP (the peer is 127.0.0.1).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError, Server } from '../src/index.js';
import { clientIp, compileTrust, requestScheme } from '../src/http/forwarded.js';
import { startServer } from './helpers/server.js';

const ipOf = async (url: string, headers: Record<string, string>): Promise<string> =>
  (await fetch(`${url}/ip`, { headers })).text();

void describe('trustProxy with trust lists', () => {
  void it("'loopback' trusts the local proxy and stops at the first untrusted hop", async () => {
    const { url } = await startServer((s) => s.get('/ip', (r) => r.ip), {
      trustProxy: 'loopback',
    });
    // The peer (127.0.0.1) is trusted; 198.51.100.9 is not, so it is the client, whatever a
    // client wrote further left.
    assert.equal(
      await ipOf(url, { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 198.51.100.9' }),
      '198.51.100.9',
    );
  });

  void it('a CIDR list walks through every trusted hop', async () => {
    const { url } = await startServer((s) => s.get('/ip', (r) => `${r.ip} ${r.protocol}`), {
      trustProxy: ['loopback', '10.0.0.0/8'],
    });
    assert.equal(
      await ipOf(url, {
        'x-forwarded-for': '203.0.113.7, 10.1.1.1, 10.2.2.2',
        'x-forwarded-proto': 'https',
      }),
      '203.0.113.7 https',
    );
  });

  void it('an untrusted peer leaves every proxy header unread', async () => {
    const { url } = await startServer((s) => s.get('/ip', (r) => `${r.ip} ${r.protocol}`), {
      trustProxy: '10.0.0.0/8',
    });
    assert.equal(
      await ipOf(url, { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' }),
      '127.0.0.1 http',
    );
  });

  void it('reads RFC 7239 Forwarded when X-Forwarded-For is absent (IPv6, ports, quotes)', async () => {
    const { url } = await startServer((s) => s.get('/ip', (r) => `${r.ip} ${r.protocol}`), {
      trustProxy: 'loopback, uniquelocal',
    });
    assert.equal(
      await ipOf(url, {
        forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https, for=192.168.0.5:80;by=x',
      }),
      '2001:db8:cafe::17 https',
    );
    // An obfuscated node is not an address: the walk stops at it.
    assert.equal(
      await ipOf(url, { forwarded: 'for=203.0.113.1, for=_hidden, for=10.0.0.3' }),
      '_hidden http',
    );
  });

  void it('a hop count keeps the old meaning (the N proxies nearest the server)', () => {
    assert.equal(clientIp('10.0.0.2', '203.0.113.7, 198.51.100.1', 1), '198.51.100.1');
    assert.equal(clientIp('10.0.0.2', '203.0.113.7, 198.51.100.1', 2), '203.0.113.7');
    assert.equal(clientIp('10.0.0.2', '203.0.113.7, 198.51.100.1', 5), '203.0.113.7');
    assert.equal(clientIp('10.0.0.2', '203.0.113.7, 198.51.100.1', true), '203.0.113.7');
    assert.equal(clientIp('10.0.0.2', '203.0.113.7', false), '10.0.0.2');
    assert.equal(
      clientIp('10.0.0.2', undefined, (addr) => addr.startsWith('10.')),
      '10.0.0.2',
    );
    assert.equal(requestScheme(false, 'http, https', 1, '10.0.0.2'), 'https');
    assert.equal(
      requestScheme(false, 'https', (a) => a === '10.0.0.9', '10.0.0.2'),
      'http',
    );
  });

  void it('a malformed trust list fails at setConfig with SLUICE_CONFIG', () => {
    assert.throws(
      () => new Server().setConfig({ trustProxy: ['10.0.0.0/99'] }),
      (err: unknown) =>
        err instanceof SluiceError &&
        err.code === 'SLUICE_CONFIG' &&
        /trustProxy/.test(err.message),
    );
    assert.throws(() => compileTrust('not-an-address'), SluiceError);
  });
});
