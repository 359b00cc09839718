// sluice/client for the browser, with no build step: src/client/*.ts (self-contained: the client
// imports nothing from the server) are transpiled once at startup with TypeScript's transpileModule and served from
// memory under /sluice/. The client has no node: imports, so its modules run as they are in a
// browser; the pages load it with an import map (`"sluice/client": "/sluice/client/index.js"`),
// so page code reads exactly like an app that installed the package.
//
// Why not dist/client? It exists only after `npm run build` and goes stale when src/ changes;
// transpiling from src/ works right after `npm install` (typescript is a devDependency) and always
// serves the code the tests ran. An app that depends on the published package would serve
// node_modules/sluice/dist/client/ instead, with addStaticPath.
import { readdirSync, readFileSync } from 'node:fs';
import ts from 'typescript';

const SRC = new URL('../../src/', import.meta.url);

/** URL path (`/sluice/client/index.js`) to JavaScript, for every module the client needs. */
export function transpileClientModules(): Map<string, string> {
  const files = [
    ...readdirSync(new URL('client/', SRC))
      .filter((name) => name.endsWith('.ts'))
      .map((name) => `client/${name}`),
  ];
  const modules = new Map<string, string>();
  for (const file of files) {
    const source = readFileSync(new URL(file, SRC), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    modules.set(`/sluice/${file.replace(/\.ts$/, '.js')}`, outputText);
  }
  return modules;
}
