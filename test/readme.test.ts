// Docs that run: every ```ts and ```js block of README.md and docs/*.md is type-checked (tsc,
// strict, module nodenext, against the BUILT package: `sluice`, `sluice/client`,
// `sluice/testing`, `sluice/redis` resolve to this repo's dist/ by package self-reference, so run
// `npm run build` first) and every complete program is run.
//
// The convention, an HTML comment just above the fence (blank lines between allowed; invisible
// on GitHub):
//   (no comment)                        a complete program named by its line; type-checked and
//                                       run: it must exit by itself with status 0 within 30 s.
//   <!-- program: NAME -->              the same, named (a fragment may refer to it).
//   <!-- program: NAME | probe: GET /path -->
//   <!-- program: NAME | probe: POST /path {"json":"body"} -->
//                                       a server: run with PORT=<free port>; once the port
//                                       listens, the probe request must answer 2xx and send a
//                                       first chunk of body; then SIGTERM (a program that is still
//                                       up after 8 s is killed, which is not a failure).
//   <!-- fragment of: NAME -->          type-checked inside the named program (its imports and
//                                       top-level names in scope; the fragment's own imports
//                                       merged in), not run on its own.
//   <!-- fragment of: NAME | declare: const id: string; const answer: HTMLElement -->
//                                       the same, with names the prose leaves to the reader
//                                       declared for the type-check.
//   <!-- not run: REASON -->            a complete program that is type-checked, not run (it
//                                       needs a certificate, an API key, fixed ports...).
//   <!-- not run: REASON | declare: ... -->   the same, with declared names.
// Other languages (sh, html, json, the HTTP transcripts) are not checked. A failure names the
// Markdown file and line of the block, and for type errors the line inside the block.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.readme-check');

interface Block {
  file: string; // relative Markdown path
  line: number; // line of the opening fence
  lang: string;
  code: string;
  kind: 'program' | 'fragment' | 'not-run';
  name: string;
  of?: string;
  probe?: { method: string; path: string; body?: string };
  declare?: string;
}

function markdownFiles(): string[] {
  const docs = join(root, 'docs');
  const guides = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...guides];
}

function extractBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+|~~~+)\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const lang = open[3]!.toLowerCase();
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(fence)) j++;
    const code = lines
      .slice(i + 1, j)
      .map((l) => l.slice(Math.min(open[1]!.length, l.length - l.trimStart().length)))
      .join('\n');
    const start = i + 1;
    i = j;
    if (!['ts', 'typescript', 'js', 'javascript', 'mjs'].includes(lang)) continue;
    const where = `${file}:${start}`;
    let above = start - 2; // the line before the fence, or before the blank lines there
    while (above > 0 && lines[above]!.trim() === '' && start - 2 - above < 2) above--;
    const marker = /^<!--\s*(.*?)\s*-->$/.exec((lines[above] ?? '').trim())?.[1] ?? '';
    const parts = marker.split('|').map((p) => p.trim());
    const field = (key: string): string | undefined =>
      parts
        .find((p) => p.startsWith(`${key}:`))
        ?.slice(key.length + 1)
        .trim();
    const block: Block = {
      file,
      line: start,
      lang,
      code,
      kind: 'program',
      name: where,
      declare: field('declare'),
    };
    if (field('program') !== undefined) block.name = field('program')!;
    else if (field('fragment of') !== undefined) {
      block.kind = 'fragment';
      block.of = field('fragment of')!;
    } else if (field('not run') !== undefined) block.kind = 'not-run';
    else if (marker !== '' && !marker.startsWith('prettier-ignore')) {
      throw new Error(`${where}: unknown marker <!-- ${marker} --> before a code block`);
    }
    const probe = field('probe');
    if (probe !== undefined) {
      const m = /^(GET|POST|PUT|DELETE|PATCH)\s+(\/\S*)(?:\s+(.+))?$/.exec(probe);
      if (!m) throw new Error(`${where}: probe must be "METHOD /path [body]", got "${probe}"`);
      block.probe = { method: m[1]!, path: m[2]!, body: m[3] };
    }
    blocks.push(block);
  }
  return blocks;
}

/** A source file made of pieces, each line mapped back to its Markdown line. */
class Composed {
  text = '';
  map: string[] = [];
  add(code: string, from?: { file: string; line: number }): void {
    const lines = code.split('\n');
    lines.forEach((l, k) => {
      this.text += l + '\n';
      this.map.push(from ? `${from.file}:${from.line + 1 + k}` : '(generated)');
    });
  }
}

/** Splits a snippet into its import declarations and the rest (by the compiler, not by regex). */
function splitImports(code: string): { imports: ts.ImportDeclaration[]; rest: string } {
  const sf = ts.createSourceFile('x.ts', code, ts.ScriptTarget.ES2022, true);
  const imports: ts.ImportDeclaration[] = [];
  let rest = code;
  for (const st of [...sf.statements].reverse()) {
    if (!ts.isImportDeclaration(st)) continue;
    imports.unshift(st);
    // Blank the import out, keeping its lines so line numbers still map.
    const a = st.getFullStart() + (st.getFullText().length - st.getFullText().trimStart().length);
    const b = st.getEnd();
    rest = rest.slice(0, a) + rest.slice(a, b).replace(/[^\n]/g, ' ') + rest.slice(b);
  }
  return { imports, rest };
}

/** One import per module, the names of every snippet merged. */
function mergeImports(all: ts.ImportDeclaration[]): string {
  const byModule = new Map<
    string,
    { defaults: Set<string>; named: Set<string>; ns: Set<string> }
  >();
  const order: string[] = [];
  for (const d of all) {
    const mod = (d.moduleSpecifier as ts.StringLiteral).text;
    if (!byModule.has(mod)) {
      byModule.set(mod, { defaults: new Set(), named: new Set(), ns: new Set() });
      order.push(mod);
    }
    const entry = byModule.get(mod)!;
    const clause = d.importClause;
    if (!clause) continue;
    const typeOnly = clause.isTypeOnly ? 'type ' : '';
    if (clause.name) entry.defaults.add(clause.name.text);
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) entry.ns.add(nb.name.text);
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) {
        const spec = `${typeOnly || (el.isTypeOnly ? 'type ' : '')}${el.propertyName ? `${el.propertyName.text} as ` : ''}${el.name.text}`;
        entry.named.add(spec);
      }
    }
  }
  const lines: string[] = [];
  for (const mod of order) {
    const e = byModule.get(mod)!;
    // A name imported as a value and as a type: the value import covers both.
    const named = [...e.named].filter((n) => !(n.startsWith('type ') && e.named.has(n.slice(5))));
    for (const d of e.defaults) lines.push(`import ${d} from '${mod}';`);
    for (const n of e.ns) lines.push(`import * as ${n} from '${mod}';`);
    if (named.length > 0) lines.push(`import { ${named.join(', ')} } from '${mod}';`);
    if (e.defaults.size + e.ns.size + named.length === 0) lines.push(`import '${mod}';`);
  }
  return lines.join('\n');
}

function declarations(declare: string | undefined): string {
  if (!declare) return '';
  return declare
    .split(';')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => `declare ${d};`)
    .join('\n');
}

interface Unit {
  block: Block;
  path: string;
  source: Composed;
}

function compose(blocks: Block[]): Unit[] {
  const programs = new Map<string, Block>();
  for (const b of blocks) {
    if (b.kind === 'fragment') continue;
    const seen = programs.get(b.name);
    if (seen)
      throw new Error(
        `${b.file}:${b.line}: program name "${b.name}" is taken by ${seen.file}:${seen.line}`,
      );
    programs.set(b.name, b);
  }
  const units: Unit[] = [];
  for (const b of blocks) {
    const src = new Composed();
    const at = { file: b.file, line: b.line };
    const ext = b.lang.startsWith('j') || b.lang === 'mjs' ? 'mjs' : 'ts';
    if (b.kind !== 'fragment') {
      if (b.declare) src.add(declarations(b.declare));
      src.add(b.code, at);
      if (!/^\s*(import|export)\s/m.test(b.code)) src.add('export {};');
    } else {
      const host = programs.get(b.of!);
      if (!host)
        throw new Error(`${b.file}:${b.line}: fragment of "${b.of}", but no program has that name`);
      const h = splitImports(host.code);
      const f = splitImports(b.code);
      src.add(mergeImports([...h.imports, ...f.imports]));
      src.add(declarations(b.declare));
      src.add(h.rest, { file: host.file, line: host.line });
      src.add(`export async function __fragment_${b.line}(): Promise<void> {`);
      src.add(f.rest, at);
      src.add('}');
    }
    const path = join(out, `${b.file.replace(/\W+/g, '_')}_L${b.line}.${ext}`);
    units.push({ block: b, path, source: src });
  }
  return units;
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function listening(port: number, exited: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !exited()) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((f) => setTimeout(f, 100));
  }
  return false;
}

const blocks = markdownFiles().flatMap((f) =>
  extractBlocks(f, readFileSync(join(root, f), 'utf8')),
);
const units = compose(blocks);

describe('docs that run', () => {
  before(() => {
    assert.ok(
      existsSync(join(root, 'dist/index.d.ts')),
      'dist/ is missing: run `npm run build` first (the snippets import the built package)',
    );
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    for (const u of units) writeFileSync(u.path, u.source.text);
  });

  it('README and docs/ have the programs a new user needs', () => {
    const names = new Set(blocks.filter((b) => b.kind === 'program').map((b) => b.name));
    for (const n of ['seed', 'sse', 'chat', 'durable', 'controller', 'client']) {
      assert.ok(names.has(n), `README has no program named "${n}"`);
    }
  });

  it('every ts/js block type-checks (strict, nodenext, against dist/)', () => {
    const tsconfig = join(out, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          lib: ['es2023', 'dom', 'dom.iterable'],
          types: ['node'],
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          allowJs: true,
          checkJs: true,
        },
        files: units.map((u) => relative(out, u.path)),
      }),
    );
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig, '--pretty', 'false'],
      { cwd: out, encoding: 'utf8' },
    );
    const errors = `${r.stdout}${r.stderr}`
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
        if (!m) return line;
        const unit = units.find((u) => u.path.endsWith(m[1]!.replace(/^.*[\\/]/, '')));
        const mapped = unit?.source.map[Number(m[2]) - 1];
        const of = unit ? ` (in the block at ${unit.block.file}:${unit.block.line})` : '';
        return `${mapped ?? m[1]}:${m[3]}: ${m[4]}${of}`;
      });
    assert.deepEqual(errors, [], `type errors in the docs:\n${errors.join('\n')}`);
  });

  for (const u of units) {
    const b = u.block;
    if (b.kind !== 'program') continue;
    it(`${b.file}:${b.line} program "${b.name}" runs`, { timeout: 60_000 }, async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', u.path], {
        cwd: root,
        env: { ...process.env, PORT: String(port), SLUICE_LOG: 'error', NODE_ENV: 'test' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c));
      child.stderr.on('data', (c: Buffer) => (output += c));
      let code: number | null | undefined;
      const exited = new Promise<void>((resolve) =>
        child.on('exit', (c) => {
          code = c;
          resolve();
        }),
      );
      const fail = (why: string): never =>
        assert.fail(`${b.file}:${b.line} (program "${b.name}"): ${why}\n--- output ---\n${output}`);
      try {
        if (!b.probe) {
          const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
          await exited;
          clearTimeout(timer);
          if (code !== 0) fail(`exited with ${code} (it must exit by itself with 0 within 30 s)`);
          return;
        }
        if (!(await listening(port, () => code !== undefined, 20_000))) {
          fail(`never listened on PORT=${port} (does it read process.env.PORT?)`);
        }
        const res = await fetch(`http://127.0.0.1:${port}${b.probe.path}`, {
          method: b.probe.method,
          headers: b.probe.body ? { 'content-type': 'application/json' } : {},
          body: b.probe.body,
          signal: AbortSignal.timeout(10_000),
        }).catch((err: Error) =>
          fail(`${b.probe!.method} ${b.probe!.path} failed: ${err.message}`),
        );
        if (res.status < 200 || res.status > 299) {
          fail(`${b.probe.method} ${b.probe.path} answered ${res.status}: ${await res.text()}`);
        }
        const reader = res.body!.getReader();
        // An event stream that sends nothing for 10 s (no event, no heartbeat) fails here.
        const first = await reader
          .read()
          .catch((err: Error) => fail(`no first chunk of ${b.probe!.path}: ${err.message}`));
        await reader.cancel();
        if (first.done || first.value.byteLength === 0) fail(`${b.probe.path} sent no body`);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
        await exited;
        clearTimeout(timer);
        if (code !== 0 && code !== null) fail(`exited with ${code} after SIGTERM`);
      } finally {
        if (code === undefined) child.kill('SIGKILL');
      }
    });
  }
});
