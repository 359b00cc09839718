// Every export documented: the entry points are read from package.json's `exports` (each
// `dist/X.d.ts` is `src/X.ts`), and the TypeScript compiler lists what each one exports,
// following re-exports to the declaration. Rules:
//   - a class or a function (a function declaration, or a const whose value is a function or an
//     object of functions such as `g` and `middleware`) has a JSDoc comment with an `@example`;
//   - every other export (interfaces, types, constants) has a JSDoc comment.
// The test fails under 100% on either rule and names each missing one with its file and line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string }>;
};

/** src/ files behind each exported subpath (`./redis` -> src/hub/redis/index.ts). */
function entryPoints(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const types = typeof target === 'string' ? target : target.types;
    if (!types?.endsWith('.d.ts')) continue; // ./package.json
    out.set(subpath, join(root, types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts')));
  }
  return out;
}

interface Finding {
  name: string;
  where: string;
  kind: 'callable' | 'other';
  doc: boolean;
  example: boolean;
}

function jsDocsOf(decl: ts.Node): readonly ts.JSDoc[] {
  // A const's comment sits on its statement.
  const node = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  return (node as { jsDoc?: ts.JSDoc[] }).jsDoc ?? [];
}

function isCallable(decl: ts.Declaration): boolean {
  if (ts.isClassDeclaration(decl) || ts.isFunctionDeclaration(decl)) return true;
  if (ts.isVariableDeclaration(decl) && decl.initializer) {
    let init = decl.initializer;
    while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
    if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return true;
    // An object literal of functions (g, middleware) is an API, not a constant.
    if (ts.isObjectLiteralExpression(init)) {
      return init.properties.some(
        (p) =>
          ts.isMethodDeclaration(p) ||
          ts.isShorthandPropertyAssignment(p) ||
          (ts.isPropertyAssignment(p) &&
            (ts.isArrowFunction(p.initializer) || ts.isFunctionExpression(p.initializer))),
      );
    }
  }
  return false;
}

function audit(): { entries: Map<string, string>; findings: Finding[] } {
  const entries = entryPoints();
  const program = ts.createProgram([...entries.values()], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const findings = new Map<string, Finding>();
  for (const [subpath, file] of entries) {
    const source = program.getSourceFile(file);
    assert.ok(source, `entry point ${subpath} (${file}) is not in the program`);
    const module = checker.getSymbolAtLocation(source);
    assert.ok(module, `${file} is not a module`);
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = symbol.declarations?.[0];
      if (!decl) continue;
      const sf = decl.getSourceFile();
      const line = sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1;
      const where = `${relative(root, sf.fileName)}:${line}`;
      const docs = symbol.declarations!.flatMap(jsDocsOf);
      findings.set(where, {
        name: `${subpath === '.' ? 'sluice' : `sluice${subpath.slice(1)}`} ${exported.name}`,
        where,
        kind: isCallable(decl) ? 'callable' : 'other',
        doc: docs.length > 0 || symbol.getDocumentationComment(checker).length > 0,
        example: docs.some((d) => (d.tags ?? []).some((t) => t.tagName.text === 'example')),
      });
    }
  }
  return { entries, findings: [...findings.values()] };
}

describe('JSDoc on the public API', () => {
  const { entries, findings } = audit();

  it('reads every entry point of package.json', () => {
    assert.deepEqual([...entries.keys()].sort(), ['.', './client', './redis', './testing']);
    assert.ok(findings.length > 100, `only ${findings.length} exports found`);
  });

  it('every public class and function has an @example', () => {
    const callables = findings.filter((f) => f.kind === 'callable');
    const missing = callables.filter((f) => !f.example);
    const pct = (100 * (callables.length - missing.length)) / callables.length;
    assert.deepEqual(
      missing.map((f) => `${f.name} (${f.where})`),
      [],
      `${pct.toFixed(1)}% of ${callables.length} classes and functions have an @example`,
    );
    assert.ok(callables.length > 40, `only ${callables.length} classes and functions found`);
  });

  it('every other export (types, interfaces, constants) has a JSDoc comment', () => {
    const others = findings.filter((f) => f.kind === 'other');
    const missing = others.filter((f) => !f.doc);
    assert.deepEqual(
      missing.map((f) => `${f.name} (${f.where})`),
      [],
      `${others.length - missing.length} of ${others.length} documented`,
    );
    const examples = others.filter((f) => f.example).length;
    // Reported, not required: an interface's example is often its function's.
    console.log(
      `jsdoc: ${findings.length} exports; ${others.length} types/constants, ${examples} with an @example`,
    );
  });
});
