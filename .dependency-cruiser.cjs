// The house rules, enforced by `npm run lint` (see docs/architecture.md):
// - no import cycles, type-only imports included;
// - layers import downward only: a folder may import its own files and lower layers, never a
//   higher layer nor another folder of its own layer;
// - Node's http/http2/net/tls only at the edge (wire/ and server/);
// - the browser client (client/) imports nothing from the server.
const LAYERS = [
  ['errors', 'logger.ts'],
  ['config.ts'],
  ['http', 'codec', 'router', 'static'],
  ['hub', 'stream', 'session'],
  ['wire'],
  ['sse', 'websocket'],
  ['runs'],
  ['exchange'],
  ['engine'],
  ['middleware', 'controller'],
  ['openapi', 'telemetry'],
  ['server'],
  ['testing', 'g.ts'],
  ['index.ts'],
];
const EDGE = ['wire', 'server'];

const path = (name) =>
  name.endsWith('.ts') ? `^src/${name.replace('.', '\\.')}$` : `^src/${name}/`;
const any = (names) => (names.length ? `(${names.map(path).join('|')})` : '^$');

const forbidden = [
  {
    name: 'no-circular',
    comment: 'An import cycle (type-only imports count): break it by moving the shared piece down.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'client-stands-alone',
    comment: 'sluice/client ships to browsers: it imports nothing outside src/client/.',
    severity: 'error',
    from: { path: '^src/client/' },
    to: { path: '^src/', pathNot: '^src/client/' },
  },
  {
    name: 'node-http-at-the-edge',
    comment: `node:http, http2, net and tls belong to the edge (${EDGE.join(', ')}/) only.`,
    severity: 'error',
    from: { path: '^src/', pathNot: any(EDGE) },
    to: { path: '^(node:)?(http|http2|net|tls)$' },
  },
];

LAYERS.forEach((layer, rank) => {
  const higher = LAYERS.slice(rank + 1).flat();
  for (const name of layer) {
    const siblings = layer.filter((other) => other !== name);
    forbidden.push({
      name: `layer-${name.replace('.ts', '')}`,
      comment: `${name} (layer ${rank}) imports only lower layers: not ${[...higher, ...siblings].join(', ')}.`,
      severity: 'error',
      from: { path: path(name) },
      to: { path: any([...higher, ...siblings]) },
    });
  }
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
