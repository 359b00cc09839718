// The public surface, snapshotted: a change to what `sluice`, `sluice/client`, `sluice/redis` or
// `sluice/testing` exports shows up here in review.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

describe('public exports', () => {
  it('sluice', async () => {
    const names = Object.keys(await import('../src/index.js')).sort();
    for (const name of [
      'g',
      'Server',
      'HttpError',
      'ClientClosedError',
      'SluiceError',
      'middleware',
      'createHub',
      'EventStream',
      'encodeEvent',
      'fromConnect',
      'rateLimit',
      'MemoryRateLimitStore',
      'RedisRateLimitStore',
    ]) {
      assert.ok(names.includes(name), `missing ${name}`);
    }
    assert.ok(!names.includes('createRedisHub'), 'the Redis hub lives in sluice/redis only');
    assert.ok(!names.includes('stream'), 'the client lives in sluice/client');
  });

  it('sluice/client has no node: imports and exports the client', async () => {
    const names = Object.keys(await import('../src/client/index.js')).sort();
    for (const name of ['stream', 'collectEvents', 'StreamError'])
      assert.ok(names.includes(name), `missing ${name}`);
  });

  it('sluice/redis', async () => {
    const names = Object.keys(await import('../src/hub/redis/index.js'));
    assert.ok(names.includes('createRedisHub'));
  });

  it('sluice/testing', async () => {
    const names = Object.keys(await import('../src/testing/index.js')).sort();
    assert.deepEqual(names, [
      'CollectTimeoutError',
      'FakeWire',
      'activeHandles',
      'collectEvents',
      'createStatsProbe',
      'enableStats',
      'serveFake',
    ]);
  });

  it('package.json maps the four entry points to dist with types', async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.deepEqual(Object.keys(pkg.exports).sort(), [
      '.',
      './client',
      './package.json',
      './redis',
      './testing',
    ]);
    assert.equal(pkg.exports['./testing'].default, './dist/testing/index.js');
    assert.equal(pkg.exports['./redis'].default, './dist/hub/redis/index.js');
    assert.equal(pkg.exports['./client'].default, './dist/client/index.js');
  });
});
