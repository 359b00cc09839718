// Pending cases from GoFrame net/ghttp/ghttp_z_unit_feature_request_test.go: each fails on
// Sluice today.
// Run: node --import tsx --test test/goframe/pending/ghttp_z_unit_feature_request.ts
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defineRoute, handle } from '../../../src/index.js';
import { z } from 'zod';
import { startServer } from '../../helpers/server.js';
import { gfClient } from '../gf-client.js';

describe('GoFrame request params (pending)', () => {
  // TestRequest_GetServeHandler_GetMetaTag
  // GAP: middleware can read the matched route's metadata (`r.serveHandler.getMetaTag('summary')`, 'method' in lower case), for a route bound from a controller.
  it('exposes the route metadata to middleware', async () => {
    const postTest = defineRoute({
      method: 'POST',
      path: '/test',
      summary: 'meta_tag',
      tags: ['meta'],
      input: z.object({ name: z.string().optional() }),
    });
    const { url } = await startServer((s) => {
      s.use((r) => {
        // @ts-expect-error GAP: Request.serveHandler (route metadata) does not exist
        const h = r.serveHandler;
        r.response.writef('summary:%s,method:%s', h.getMetaTag('summary'), h.getMetaTag('method'));
      });
      s.group('/', (grp) => grp.bind({ postTest: handle(postTest, () => ({})) }));
    });
    assert.equal(
      await gfClient(url).postContent('/test', 'name=john'),
      'summary:meta_tag,method:post',
    );
  });
});
