// The pure pieces behind the GoFrame parity work, by table: GoFrame's parameter maps (the rules
// of gstr.Parse), RFC 6266/8187 download names, safe upload file names, object-binding names,
// the XML encoder and GoFrame's default CORS options.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildParams, parseParamPairs, valuesOf } from '../src/http/params.js';
import { contentDisposition } from '../src/http/content-disposition.js';
import { encodeXml } from '../src/http/xml.js';
import { corsOriginAllowed, defaultCorsOptions } from '../src/http/cors-options.js';
import { safeFilename } from '../src/exchange/upload-file.js';
import { uriName } from '../src/server/object-binding.js';
import { HttpError } from '../src/index.js';

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
const params = (q: string): unknown => plain(buildParams(parseParamPairs(q)));

describe('GoFrame parameter maps', () => {
  it("follows gstr.Parse's documented examples", () => {
    const table: Array<[string, unknown]> = [
      ['v1=m&v2=n', { v1: 'm', v2: 'n' }],
      ['v[a]=m&v[b]=n', { v: { a: 'm', b: 'n' } }],
      ['v[a][a]=m&v[a][b]=n', { v: { a: { a: 'm', b: 'n' } } }],
      ['v[]=m&v[]=n', { v: ['m', 'n'] }],
      ['v[a][]=m&v[a][]=n', { v: { a: ['m', 'n'] } }],
      ['v[][a]=m&v[][b]=n', { v: [{ a: 'm', b: 'n' }] }],
      ['v[][a]=m&v[][a]=n', { v: [{ a: 'm' }, { a: 'n' }] }],
      ['a=1&a=2', { a: '2' }],
      ['a&b=&c=3', { b: '', c: '3' }],
      ['=x&[a]=1& k=v', { k: 'v' }],
      ['a[b]c=1', { a: { b: '1' } }],
      ['a[b=1', { 'a[b': '1' }],
      ['n=J%C3%BCrgen+X', { n: 'Jürgen X' }],
      ['?q=%zz', { q: '%zz' }],
    ];
    for (const [q, want] of table) assert.deepEqual(params(q), want, q);
  });

  it('refuses a value turned into a map, strict escapes in bodies, too many pairs', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as HttpError).code;
      }
      return undefined;
    };
    assert.equal(
      code(() => params('v=m&v[a]=n')),
      'SLUICE_FORM_INVALID',
    );
    assert.equal(
      code(() => params('v=m&v[]=n')),
      'SLUICE_FORM_INVALID',
    );
    assert.equal(
      code(() => parseParamPairs('a=%zz', { strict: true })),
      'SLUICE_FORM_INVALID',
    );
    assert.equal(
      code(() => parseParamPairs('a=1&b=2', { maxKeys: 1 })),
      'SLUICE_TOO_MANY_FIELDS',
    );
    assert.deepEqual(params('v[a]=n&v=m'), { v: 'm' });
  });

  it('keeps every value of a key for the all-values accessors', () => {
    const pairs = parseParamPairs('a=1&b=x&a=2&a[]=3&ab=4');
    assert.deepEqual(valuesOf(pairs, 'a'), ['1', '2', '3']);
    assert.deepEqual(valuesOf(pairs, 'c'), []);
  });
});

describe('download names (RFC 6266/8187)', () => {
  it('quotes plain ASCII and adds filename* for anything else', () => {
    const table: Array<[string, string]> = [
      ['report.pdf', 'attachment; filename="report.pdf"'],
      ['my report.pdf', 'attachment; filename="my report.pdf"'],
      ['中文.txt', `attachment; filename="__.txt"; filename*=UTF-8''%E4%B8%AD%E6%96%87.txt`],
      ['a"b.txt', `attachment; filename="a_b.txt"; filename*=UTF-8''a%22b.txt`],
      ['100%.txt', `attachment; filename="100_.txt"; filename*=UTF-8''100%25.txt`],
      ['../etc/passwd', `attachment; filename=".._etc_passwd"`],
      ['a\r\nb', 'attachment; filename="a__b"'],
    ];
    for (const [name, want] of table) assert.equal(contentDisposition(name), want, name);
    assert.throws(() => contentDisposition('\ud800'), /well-formed/);
  });
});

describe('upload file names', () => {
  it('is always a plain base name inside the target', () => {
    const table: Array<[string, string]> = [
      ['photo.png', 'photo.png'],
      ['../../etc/passwd', 'passwd'],
      ['C:\\temp\\a<b>.txt', 'a_b_.txt'],
      ['..', 'file'],
      ['.', 'file'],
      ['', 'file'],
      ['name. ', 'name'],
      ['nul\0byte', 'nul_byte'],
      ['.env', '.env'],
      ['x'.repeat(300) + '.txt', 'x'.repeat(196) + '.txt'],
    ];
    for (const [name, want] of table) assert.equal(safeFilename(name), want, JSON.stringify(name));
  });
});

describe('object-binding names', () => {
  it("follows GoFrame's name-to-URI types", () => {
    const table: Array<[string, Parameters<typeof uriName>[1], boolean, string]> = [
      ['NamesObject', 'default', false, 'names-object'],
      ['showName', 'default', true, 'show-name'],
      ['HTTPServer', 'default', false, 'http-server'],
      ['NamesObject', 'fullName', false, 'NamesObject'],
      ['showName', 'fullName', true, 'ShowName'],
      ['NamesObject', 'allLower', false, 'namesobject'],
      ['NamesObject', 'camel', false, 'namesObject'],
    ];
    for (const [name, type, isMethod, want] of table) {
      assert.equal(uriName(name, type, isMethod), want, `${name} ${type}`);
    }
  });
});

describe('XML encoder', () => {
  it('writes elements, repeats lists, escapes text and refuses bad names', () => {
    assert.equal(
      encodeXml({ a: 1, b: [true, null], c: { d: '<&>' } }),
      '<a>1</a><b>true</b><b></b><c><d>&lt;&amp;&gt;</d></c>',
    );
    assert.equal(encodeXml('x', 'root'), '<root>x</root>');
    assert.throws(() => encodeXml({ 'a b': 1 }), /not an XML element name/);
    assert.throws(() => encodeXml({ xmlns: 1 }), /not an XML element name/);
  });
});

describe("GoFrame's default CORS options", () => {
  it('echoes the Origin, else the Referer origin, and adds the asked headers', () => {
    const h = (m: Record<string, string>) => (name: string) => m[name];
    const a = defaultCorsOptions(
      h({ origin: 'https://app.example', 'access-control-request-headers': 'X-Token, Accept' }),
    );
    assert.equal(a.allowOrigin, 'https://app.example');
    assert.equal(
      a.allowHeaders,
      'Origin,Content-Type,Accept,User-Agent,Cookie,Authorization,X-Auth-Token,X-Requested-With,X-Token',
    );
    assert.equal(
      defaultCorsOptions(h({ referer: 'https://ref.example/a/b?c' })).allowOrigin,
      'https://ref.example',
    );
    assert.equal(defaultCorsOptions(h({})).allowOrigin, '*');
    assert.equal(
      corsOriginAllowed({ allowDomain: ['example.com'] }, 'https://a.example.com'),
      true,
    );
    assert.equal(
      corsOriginAllowed({ allowDomain: ['example.com'] }, 'https://evil-example.com'),
      false,
    );
  });
});
