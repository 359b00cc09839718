// GoFrame net/ghttp/ghttp_z_unit_feature_router_domain_object_test.go, translated case by case.
// GoFrame's client prefixes `http://localhost:port` and `http://local:port` are the Host header
// (`gfClient(url).host(...)`), the server still reached on 127.0.0.1.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Request } from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient, type GfClient } from './gf-client.js';

class DomainObject {
  init(r: Request): void {
    r.response.write('1');
  }
  shut(r: Request): void {
    r.response.write('2');
  }
  index(r: Request): void {
    r.response.write('Object Index');
  }
  show(r: Request): void {
    r.response.write('Object Show');
  }
  info(r: Request): void {
    r.response.write('Object Info');
  }
}

const PATHS = [
  '/',
  '/init',
  '/shut',
  '/index',
  '/show',
  '/info',
  '/object',
  '/object/init',
  '/object/shut',
  '/object/index',
  '/object/show',
  '/object/info',
  '/object-info',
  '/none-exist',
];

/** Every path answers "Not Found" but those listed. */
async function expectOnly(c: GfClient, found: Record<string, string>): Promise<void> {
  for (const path of PATHS)
    assert.equal(await c.getContent(path), found[path] ?? 'Not Found', path);
}

function clients(url: string): { ip: GfClient; domains: GfClient[] } {
  const port = new URL(url).port;
  return {
    ip: gfClient(url),
    domains: ['localhost', 'local'].map((h) => gfClient(url).host(`${h}:${port}`)),
  };
}

describe('GoFrame router domain objects', () => {
  // Test_Router_DomainObject1
  it('binds an object for the listed hosts only', async () => {
    const { url } = await startServer((s) =>
      s.domain('localhost, local').bindObject('/', new DomainObject()),
    );
    const { ip, domains } = clients(url);
    await expectOnly(ip, {});
    for (const c of domains) {
      await expectOnly(c, {
        '/': '1Object Index2',
        '/index': '1Object Index2',
        '/show': '1Object Show2',
        '/info': '1Object Info2',
      });
    }
  });

  // Test_Router_DomainObject2
  it('binds the listed methods for the listed hosts only', async () => {
    const { url } = await startServer((s) =>
      s.domain('localhost, local').bindObject('/object', new DomainObject(), 'Show, Info'),
    );
    const { ip, domains } = clients(url);
    await expectOnly(ip, {});
    for (const c of domains) {
      await expectOnly(c, { '/object/show': '1Object Show2', '/object/info': '1Object Info2' });
    }
  });

  // Test_Router_DomainObjectMethod
  it('binds one method for the listed hosts only', async () => {
    const { url } = await startServer((s) =>
      s.domain('localhost, local').bindObjectMethod('/object-info', new DomainObject(), 'Info'),
    );
    const { ip, domains } = clients(url);
    await expectOnly(ip, {});
    for (const c of domains) await expectOnly(c, { '/object-info': '1Object Info2' });
  });
});
