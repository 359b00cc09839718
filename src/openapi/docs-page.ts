/**
 * The interactive reference `s.setSwaggerPath('/docs')` serves: Scalar's API reference
 * (`@scalar/api-reference`, an optional peer), which renders OpenAPI 3.2 stream item schemas.
 * Its browser bundle is served from the installed package, never from a CDN, and the page asks
 * it not to load web fonts, so the reference works offline and behind strict egress rules.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SluiceError } from '../errors/index.js';

const PACKAGE = '@scalar/api-reference';

/**
 * The path of Scalar's browser bundle in node_modules; throws `SLUICE_CONFIG` saying what to
 * install when the package is missing.
 * @example scalarBundlePath() // '/app/node_modules/@scalar/api-reference/dist/browser/standalone.js'
 */
export function scalarBundlePath(): string {
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve(PACKAGE);
  } catch (cause) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `setSwaggerPath() serves Scalar's API reference from the package: run "npm install ${PACKAGE}"`,
      { cause },
    );
  }
  // The self-contained browser bundle sits beside the module entry (dist/browser/standalone.js);
  // newer versions no longer list it in their exports map, so it is found by path.
  const bundle = join(dirname(main), 'browser', 'standalone.js');
  if (!existsSync(bundle)) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `setSwaggerPath(): ${bundle} is missing; install a version of ${PACKAGE} that ships its browser bundle (>= 1.40)`,
    );
  }
  return bundle;
}

/**
 * The HTML of the reference page: loads the bundle at `scriptUrl` and the document at `specUrl`.
 * @example docsPageHtml({ title: 'Shop API', specUrl: '/api.json', scriptUrl: '/docs/scalar.js' })
 */
export function docsPageHtml(options: {
  title: string;
  specUrl: string;
  scriptUrl: string;
}): string {
  const config = JSON.stringify({
    url: options.specUrl,
    // Nothing leaves the machine: no web fonts, no AI agent, no developer toolbar.
    withDefaultFonts: false,
    agent: { disabled: true },
    showDeveloperTools: 'never',
    telemetry: false,
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)}</title>
</head>
<body>
<div id="app"></div>
<script src="${escapeHtml(options.scriptUrl)}"></script>
<script>Scalar.createApiReference('#app', ${config});</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
