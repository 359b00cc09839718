import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SluiceError } from '../src/errors/index.js';
import { resolveStaticPath, type StaticResolution } from '../src/static/index.js';

/*
 * Layout (base is a fresh temp directory; `root` is what is served):
 *   base/outside/secret.txt
 *   base/root/{index.html, a.txt, with space.txt, 100%.txt, %2e%2e}
 *   base/root/sub/index.html            base/root/empty/       base/root/home/home.htm
 *   base/root/.secret                   base/root/.hidden/x.txt
 *   base/root/link-in -> a.txt          base/root/link-out -> ../outside/secret.txt
 *   base/root/link-dir-out -> ../outside
 *   base/root/index-out/index.html -> ../../outside/secret.txt
 *   base/root-link -> root
 */
let base = '';
let root = '';
let realRoot = '';

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-static-'));
  root = join(base, 'root');
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside', 'secret.txt'), 'secret');
  for (const dir of ['sub', 'empty', 'home', '.hidden', 'index-out']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  const files: Record<string, string> = {
    'index.html': '<h1>root</h1>',
    'a.txt': 'hello',
    'with space.txt': 'space',
    '100%.txt': 'percent',
    'sub/index.html': '<h1>sub</h1>',
    'home/home.htm': 'home',
    '.secret': 'dot',
    '.hidden/x.txt': 'x',
    '%2e%2e': 'a file literally named %2e%2e',
  };
  for (const [name, body] of Object.entries(files)) await writeFile(join(root, name), body);
  await symlink('a.txt', join(root, 'link-in'));
  await symlink(join('..', 'outside', 'secret.txt'), join(root, 'link-out'));
  await symlink(join('..', 'outside'), join(root, 'link-dir-out'));
  await symlink(join('..', '..', 'outside', 'secret.txt'), join(root, 'index-out', 'index.html'));
  await symlink('root', join(base, 'root-link'));
  realRoot = await realpath(root);
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Reduces a resolution to something comparable: the file's path relative to the real root. */
function summary(r: StaticResolution): Record<string, string> {
  if (r.kind === 'file') {
    assert.ok(r.path.startsWith(realRoot + sep), `${r.path} is inside the root`);
    return { kind: 'file', file: r.path.slice(realRoot.length + 1) };
  }
  if (r.kind === 'redirect') return { kind: 'redirect', location: r.location };
  if (r.kind === 'forbidden') return { kind: 'forbidden', reason: r.reason };
  return { kind: 'not-found' };
}

void describe('resolveStaticPath refuses traversal before touching the disk', () => {
  const cases: [name: string, urlPath: string, expected: Record<string, string>][] = [
    ['raw ../', '/../outside/secret.txt', { kind: 'forbidden', reason: 'traversal' }],
    ['%2e%2e/', '/%2e%2e/outside/secret.txt', { kind: 'forbidden', reason: 'traversal' }],
    [
      '%2E%2E/ upper case',
      '/%2E%2E/outside/secret.txt',
      { kind: 'forbidden', reason: 'traversal' },
    ],
    ['.%2e/', '/.%2e/outside/secret.txt', { kind: 'forbidden', reason: 'traversal' }],
    ['%2e./', '/%2e./outside/secret.txt', { kind: 'forbidden', reason: 'traversal' }],
    [
      '.. in the middle',
      '/sub/../../outside/secret.txt',
      { kind: 'forbidden', reason: 'traversal' },
    ],
    ['a . segment', '/./a.txt', { kind: 'forbidden', reason: 'traversal' }],
    [
      '%2e%2e%2f',
      '/%2e%2e%2foutside%2fsecret.txt',
      { kind: 'forbidden', reason: 'encoded-separator' },
    ],
    ['..%2f', '/..%2foutside%2fsecret.txt', { kind: 'forbidden', reason: 'encoded-separator' }],
    ['%2F upper case', '/sub%2Findex.html', { kind: 'forbidden', reason: 'encoded-separator' }],
    [
      '%5c..%5c',
      '/%5c..%5coutside%5csecret.txt',
      { kind: 'forbidden', reason: 'encoded-separator' },
    ],
    ['raw ..\\', '/..\\outside\\secret.txt', { kind: 'forbidden', reason: 'backslash' }],
    ['%00', '/a.txt%00.html', { kind: 'forbidden', reason: 'nul' }],
    ['raw NUL', '/a.txt\0.html', { kind: 'forbidden', reason: 'nul' }],
    ['//etc/passwd', '//etc/passwd', { kind: 'forbidden', reason: 'absolute' }],
    ['empty segment inside', '/sub//index.html', { kind: 'forbidden', reason: 'absolute' }],
    ['C:\\', '/C:\\Windows\\win.ini', { kind: 'forbidden', reason: 'backslash' }],
    ['C:/ drive letter', '/C:/Windows/win.ini', { kind: 'forbidden', reason: 'absolute' }],
    ['encoded drive letter', '/C%3a%5cWindows', { kind: 'forbidden', reason: 'encoded-separator' }],
    ['truncated escape', '/a.txt%2', { kind: 'forbidden', reason: 'malformed-encoding' }],
    ['non-hex escape', '/%zz', { kind: 'forbidden', reason: 'malformed-encoding' }],
    [
      'invalid UTF-8 escape',
      '/%c0%ae%c0%ae/outside',
      { kind: 'forbidden', reason: 'malformed-encoding' },
    ],
    [
      '%252e%252e decoded once: a literal name',
      '/%252e%252e/outside/secret.txt',
      { kind: 'not-found' },
    ],
    ['%252f decoded once: a literal name', '/..%252foutside', { kind: 'not-found' }],
  ];
  for (const [name, urlPath, expected] of cases) {
    void it(`${name}: ${JSON.stringify(urlPath)} -> ${expected.kind}`, async () => {
      assert.deepEqual(summary(await resolveStaticPath(root, urlPath)), expected);
    });
  }
});

void describe('resolveStaticPath never follows a symlink out of the root', () => {
  void it('refuses a file symlink pointing outside', async () => {
    assert.deepEqual(summary(await resolveStaticPath(root, '/link-out')), {
      kind: 'forbidden',
      reason: 'outside-root',
    });
  });

  void it('refuses a file reached through a directory symlink pointing outside', async () => {
    assert.deepEqual(summary(await resolveStaticPath(root, '/link-dir-out/secret.txt')), {
      kind: 'forbidden',
      reason: 'outside-root',
    });
  });

  void it('refuses an index file that is a symlink pointing outside', async () => {
    assert.deepEqual(summary(await resolveStaticPath(root, '/index-out/')), {
      kind: 'forbidden',
      reason: 'outside-root',
    });
  });

  void it('serves a symlink pointing inside, at its real path', async () => {
    assert.deepEqual(summary(await resolveStaticPath(root, '/link-in')), {
      kind: 'file',
      file: 'a.txt',
    });
  });

  void it('accepts a root that is itself a symlink', async () => {
    const r = await resolveStaticPath(join(base, 'root-link'), '/a.txt');
    assert.deepEqual(summary(r), { kind: 'file', file: 'a.txt' });
  });
});

void describe('resolveStaticPath maps paths to files', () => {
  const cases: [name: string, urlPath: string, expected: Record<string, string>][] = [
    ['a file', '/a.txt', { kind: 'file', file: 'a.txt' }],
    ['a file without leading slash', 'a.txt', { kind: 'file', file: 'a.txt' }],
    ['a percent-encoded space', '/with%20space.txt', { kind: 'file', file: 'with space.txt' }],
    ['an encoded %', '/100%25.txt', { kind: 'file', file: '100%.txt' }],
    ['%252e%252e is the file named %2e%2e', '/%252e%252e', { kind: 'file', file: '%2e%2e' }],
    ['the root with slash serves its index', '/', { kind: 'file', file: 'index.html' }],
    ['the bare prefix redirects to add the slash', '', { kind: 'redirect', location: '/' }],
    [
      'a directory with slash serves its index',
      '/sub/',
      { kind: 'file', file: join('sub', 'index.html') },
    ],
    ['an index file by name', '/sub/index.html', { kind: 'file', file: join('sub', 'index.html') }],
    ['a directory without slash redirects', '/sub', { kind: 'redirect', location: '/sub/' }],
    ['the redirect keeps the encoding', '/s%75b', { kind: 'redirect', location: '/s%75b/' }],
    ['a directory without index', '/empty/', { kind: 'not-found' }],
    ['a missing file', '/missing.txt', { kind: 'not-found' }],
    ['a file with a trailing slash', '/a.txt/', { kind: 'not-found' }],
    ['a file used as a directory', '/a.txt/x', { kind: 'not-found' }],
  ];
  for (const [name, urlPath, expected] of cases) {
    void it(`${name}: ${JSON.stringify(urlPath)} -> ${expected.kind}`, async () => {
      assert.deepEqual(summary(await resolveStaticPath(root, urlPath)), expected);
    });
  }

  void it('returns the stat of the file it serves', async () => {
    const r = await resolveStaticPath(root, '/a.txt');
    assert.equal(r.kind, 'file');
    assert.equal(r.kind === 'file' && r.stat.size, 5);
  });

  void it('tries the configured index names in order', async () => {
    const r = await resolveStaticPath(root, '/home/', { index: ['index.html', 'home.htm'] });
    assert.deepEqual(summary(r), { kind: 'file', file: join('home', 'home.htm') });
    assert.deepEqual(summary(await resolveStaticPath(root, '/sub/', { index: [] })), {
      kind: 'not-found',
    });
  });

  void it('throws SLUICE_CONFIG for an index name that is not a plain file name', async () => {
    for (const name of ['../secret.txt', 'a/b.html', '..', '']) {
      await assert.rejects(resolveStaticPath(root, '/', { index: [name] }), (error: unknown) => {
        return error instanceof SluiceError && error.code === 'SLUICE_CONFIG';
      });
    }
  });

  void it('answers not-found when the root does not exist', async () => {
    assert.deepEqual(summary(await resolveStaticPath(join(base, 'nope'), '/a.txt')), {
      kind: 'not-found',
    });
  });
});

void describe('resolveStaticPath applies the dotfiles policy', () => {
  const cases: [
    policy: 'deny' | 'ignore' | 'allow' | undefined,
    urlPath: string,
    expected: Record<string, string>,
  ][] = [
    [undefined, '/.secret', { kind: 'not-found' }],
    ['ignore', '/.secret', { kind: 'not-found' }],
    ['ignore', '/.hidden/x.txt', { kind: 'not-found' }],
    ['deny', '/.secret', { kind: 'forbidden', reason: 'dotfile' }],
    ['deny', '/.hidden/x.txt', { kind: 'forbidden', reason: 'dotfile' }],
    ['deny', '/%2esecret', { kind: 'forbidden', reason: 'dotfile' }],
    ['allow', '/.secret', { kind: 'file', file: '.secret' }],
    ['allow', '/.hidden/x.txt', { kind: 'file', file: join('.hidden', 'x.txt') }],
    ['allow', '/..', { kind: 'forbidden', reason: 'traversal' }],
  ];
  for (const [policy, urlPath, expected] of cases) {
    void it(`dotfiles ${policy ?? '(default)'}: ${urlPath} -> ${expected.kind}`, async () => {
      const options = policy === undefined ? {} : { dotfiles: policy };
      assert.deepEqual(summary(await resolveStaticPath(root, urlPath, options)), expected);
    });
  }
});
