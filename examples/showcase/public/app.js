// What every showcase page shares: the server code beside each demo (fetched from the running
// server, which reads it from examples/showcase.ts), a small TypeScript highlighter, and the live
// figures panel (one EventSource on /demo/stats/events).

const KEYWORDS = new Set(
  'async await break const continue else export for from function if import let new of return throw try catch finally while typeof true false null undefined'.split(
    ' ',
  ),
);

/** Appends `text` to `parent` as spans of comments, strings, keywords, numbers and plain text. */
function highlight(parent, text) {
  const re =
    /(\/\/[^\n]*)|(`(?:\\[\s\S]|[^`\\])*`|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")|\b(\d[\d_]*)\b|\b([A-Za-z_]\w*)\b/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > at) parent.append(text.slice(at, m.index));
    const [all, comment, string, number, word] = m;
    const kind = comment
      ? 'c'
      : string
        ? 's'
        : number
          ? 'n'
          : KEYWORDS.has(word)
            ? 'k'
            : text[m.index + all.length] === '('
              ? 'f'
              : '';
    if (kind) {
      const span = document.createElement('span');
      span.className = `tok-${kind}`;
      span.textContent = all;
      parent.append(span);
    } else parent.append(all);
    at = m.index + all.length;
  }
  parent.append(text.slice(at));
}

/** Fills every `<pre data-source="name">` with that region of examples/showcase.ts. */
export async function loadSources() {
  for (const pre of document.querySelectorAll('pre[data-source]')) {
    const res = await fetch(`/demo/source/${pre.dataset.source}`);
    const code = document.createElement('code');
    highlight(code, res.ok ? await res.text() : `// HTTP ${res.status}`);
    pre.replaceChildren(code);
    pre.dataset.loaded = 'true';
  }
}

/** A random key naming this tab to the server (letters and digits). */
export function tabKey() {
  return Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
}

const KiB = 1024;
/** Bytes as B, KiB or MiB. */
export function bytes(n) {
  if (n < KiB) return `${n} B`;
  if (n < KiB * KiB) return `${(n / KiB).toFixed(n < 10 * KiB ? 1 : 0)} KiB`;
  return `${(n / KiB / KiB).toFixed(1)} MiB`;
}

/**
 * The live figures panel in `root` (an element holding `[data-figure=...]` slots and an optional
 * `svg.spark`): one snapshot a second over SSE.
 */
export function figuresPanel(root) {
  const history = [];
  const set = (name, text) => {
    const el = root.querySelector(`[data-figure="${name}"]`);
    if (el) el.textContent = text;
  };
  const es = new EventSource('/demo/stats/events');
  es.addEventListener('stats', (e) => {
    const f = JSON.parse(e.data);
    if (f.streams === undefined) return; // the server's first second
    set('streams', String(f.streams));
    set('deliveries', f.deliveriesPerSec.toLocaleString('en'));
    set('unsent', bytes(f.maxUnsent));
    set('loop', `${f.loopDelayP99.toFixed(1)} ms`);
    set('rss', bytes(f.rss));
    root.dataset.updates = String(Number(root.dataset.updates ?? 0) + 1);
    root.dataset.snapshot = e.data;
    const peak = Math.max(Number(root.dataset.peakUnsent ?? 0), f.maxUnsent);
    root.dataset.peakUnsent = String(peak);
    set('peak-unsent', bytes(peak));
    history.push(f.deliveriesPerSec);
    if (history.length > 60) history.shift();
    const spark = root.querySelector('svg.spark polyline');
    if (spark) {
      const max = Math.max(1, ...history);
      spark.setAttribute(
        'points',
        history
          .map((v, i) => `${(i * 100) / Math.max(history.length - 1, 1)},${30 - (v / max) * 28}`)
          .join(' '),
      );
    }
  });
  es.addEventListener('open', () => (root.dataset.state = 'open'));
  es.addEventListener('error', () => (root.dataset.state = 'reconnecting'));
  return es;
}

// The header names the instance and hub this page talks to (two instances share a Redis hub
// with `npm run showcase:cluster`).
void fetch('/demo/info')
  .then((res) => (res.ok ? res.json() : undefined))
  .then((info) => {
    const header = document.querySelector('header.top');
    if (!info || !header) return;
    const badge = document.createElement('span');
    badge.className = 'instance';
    badge.id = 'instance';
    badge.textContent = `:${info.port} · ${info.hub.replace(/ at .*/, '')}`;
    badge.title = `this page talks to the instance on port ${info.port}, on the ${info.hub}`;
    header.append(badge);
  });
