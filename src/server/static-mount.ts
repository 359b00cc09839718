/**
 * Static mounts (`addStaticPath`, `setServerRoot`, `addSearchPath`): the file a mount holds for a
 * request, found by the pure resolution in `static/` and sent by the response's file sending.
 * Per-mount options: index files, a directory listing, the dotfiles policy, caching
 * (`maxAge`/`immutable` or `cacheControl`) and precompressed `.br`/`.gz` siblings. A directory
 * without an index file answers 403 (GoFrame's answer) unless listing is on.
 */
import { promises as fs, type Stats } from 'node:fs';
import { HttpError, SluiceError } from '../errors/index.js';
import type { Request } from '../exchange/request.js';
import { sendFile, type SendFileOptions } from '../exchange/serve-file.js';
import { contentTypeOf, resolveStaticPath, type DotfilesPolicy } from '../static/index.js';

/** GoFrame's default index files. */
export const DEFAULT_INDEX_FILES: readonly string[] = ['index.html', 'index.htm'];

/**
 * Options of one static mount (`addStaticPath(prefix, dir, options)`, `setServerRoot(dir,
 * options)`, `addSearchPath(dir, options)`).
 * @example s.addStaticPath('/assets', './dist', { maxAge: 31536000, immutable: true, precompressed: true })
 */
export interface StaticMountOptions {
  /** Index files tried for a directory, in order. Default: the server's (`setIndexFiles`), else `index.html`, `index.htm`. */
  index?: readonly string[];
  /** List a directory without an index file (escaped HTML). Default: the server's (`setIndexFolder`), off. */
  indexFolder?: boolean;
  /** Paths with a segment starting with `.`: `'ignore'` (404, default), `'deny'` (403) or `'allow'`. */
  dotfiles?: DotfilesPolicy;
  /** `Cache-Control: public, max-age=<maxAge>` (seconds). Default 0 (revalidate, cheap with ETag). */
  maxAge?: number;
  /** Adds `immutable` to Cache-Control (for fingerprinted file names). Default false. */
  immutable?: boolean;
  /** A whole `Cache-Control` value, or `false` for none; wins over maxAge/immutable. */
  cacheControl?: string | false;
  /**
   * Serve `<file>.br` / `<file>.gz` when the client accepts that encoding and the sibling exists
   * (`true`: both, brotli first; or a list in order of preference). Default false.
   */
  precompressed?: boolean | ReadonlyArray<'br' | 'gzip'>;
}

/** Server-wide static settings (`setIndexFiles`, `setIndexFolder`). */
export interface StaticSettings {
  indexFiles: readonly string[] | undefined;
  indexFolder: boolean;
}

/** One mount. */
export interface StaticMount {
  /** URL prefix without a trailing slash ('' for the root). */
  prefix: string;
  dir: string;
  /** True for the server root (searched before the search paths at the same prefix). */
  root: boolean;
  options: StaticMountOptions;
  /** The Cache-Control value, computed once. */
  cacheControl: string | false;
  encodings: ReadonlyArray<'br' | 'gzip'>;
}

const EXTENSION = { br: '.br', gzip: '.gz' } as const;

/**
 * Makes a mount, checking its options.
 * @example staticMount('/assets', './public', { maxAge: 60 }, false)
 */
export function staticMount(
  prefix: string,
  dir: string,
  options: StaticMountOptions,
  root: boolean,
): StaticMount {
  const clean = '/' + prefix.replace(/^\/+|\/+$/g, '');
  const maxAge = options.maxAge ?? 0;
  if (!Number.isInteger(maxAge) || maxAge < 0) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `static maxAge must be a non-negative integer (seconds)`,
    );
  }
  const cacheControl =
    options.cacheControl ?? `public, max-age=${maxAge}${options.immutable ? ', immutable' : ''}`;
  const pre = options.precompressed;
  const encodings: ReadonlyArray<'br' | 'gzip'> =
    pre === true ? ['br', 'gzip'] : pre ? [...pre] : [];
  for (const e of encodings) {
    if (e !== 'br' && e !== 'gzip') {
      throw new SluiceError(
        'SLUICE_CONFIG',
        `static precompressed: unknown encoding "${String(e)}"`,
      );
    }
  }
  return { prefix: clean === '/' ? '' : clean, dir, root, options, cacheControl, encodings };
}

/**
 * Serves the request from the first mount that holds it; false when none does. A directory
 * without an index in the first mount holding it is listed (with listing on) or answered 403,
 * unless a later mount holds a file for the same path.
 * @example if (await serveStatic(r, mounts, settings)) return;
 */
export async function serveStatic(
  r: Request,
  mounts: readonly StaticMount[],
  settings: StaticSettings,
): Promise<boolean> {
  let directory: { mount: StaticMount; path: string } | undefined;
  for (const mount of mounts) {
    if (!(r.path === mount.prefix || r.path.startsWith(mount.prefix + '/') || mount.prefix === ''))
      continue;
    // resolveStaticPath takes the path below the prefix with its leading slash ('' is the prefix
    // itself, '/' its directory): stripping the slash made `/static/` redirect to itself forever.
    const found = await resolveStaticPath(mount.dir, r.path.slice(mount.prefix.length), {
      index: mount.options.index ?? settings.indexFiles ?? DEFAULT_INDEX_FILES,
      dotfiles: mount.options.dotfiles,
      reportDirectories: true,
    });
    switch (found.kind) {
      case 'not-found':
        continue;
      case 'directory':
        directory ??= { mount, path: found.path };
        continue;
      case 'forbidden':
        throw found.reason === 'malformed-encoding'
          ? new HttpError(400, 'malformed percent-encoding in the path')
          : HttpError.fromCode('SLUICE_STATIC_FORBIDDEN');
      case 'redirect': {
        const q = r.url.search;
        r.response.redirectTo(mount.prefix + '/' + found.location.replace(/^\/+/, '') + q, 301);
        return true;
      }
      case 'file':
        await sendStaticFile(r, mount, found.path, found.stat);
        return true;
    }
  }
  if (!directory) return false;
  if (directory.mount.options.indexFolder ?? settings.indexFolder) {
    await listDirectory(r, directory.path);
    return true;
  }
  throw new HttpError(403, 'Forbidden');
}

/** Sends a file of a mount: its caching, and a precompressed sibling when one fits. */
async function sendStaticFile(r: Request, mount: StaticMount, path: string, stat: Stats) {
  const options: SendFileOptions = { etag: 'strong', cacheControl: mount.cacheControl };
  if (mount.encodings.length > 0) {
    r.response.header().append('Vary', 'Accept-Encoding');
    const accepted = acceptedEncodings(r.header('accept-encoding'));
    for (const encoding of mount.encodings) {
      if (!accepted.has(encoding)) continue;
      const sibling = path + EXTENSION[encoding];
      const st = await fs.stat(sibling).catch(() => undefined);
      if (!st?.isFile()) continue;
      // The sibling sits beside a file already proven inside the root, and is a regular file.
      return sendFile(r, r.response, sibling, st, {
        ...options,
        contentType: contentTypeOf(path),
        contentEncoding: encoding,
      });
    }
  }
  return sendFile(r, r.response, path, stat, options);
}

/** The codings an `Accept-Encoding` accepts (q > 0). */
function acceptedEncodings(header: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!header) return out;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    out.add(name.trim());
  }
  return out;
}

/** An HTML listing of a directory: directories first, names escaped, links percent-encoded. */
async function listDirectory(r: Request, dir: string): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const visible = entries
    .filter((e) => !e.name.startsWith('.'))
    .map((e) => ({ name: e.name, dir: e.isDirectory() }))
    .sort((a, b) => Number(b.dir) - Number(a.dir) || (a.name < b.name ? -1 : 1));
  const base = r.path.endsWith('/') ? r.path : r.path + '/';
  const rows = visible.map((e) => {
    const href = base + encodeURIComponent(e.name) + (e.dir ? '/' : '');
    const label = escapeHtml(e.name) + (e.dir ? '/' : '');
    return `<a href="${escapeHtml(href)}">${label}</a>`;
  });
  if (base !== '/') rows.unshift('<a href="../">../</a>');
  const title = escapeHtml(safeDecode(base));
  const res = r.response;
  res.clearBuffer();
  res.header().set('Content-Type', 'text/html; charset=utf-8');
  res.header().set('Cache-Control', 'no-cache');
  res.write(
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>Index of ${title}</title></head>\n` +
      `<body><h1>Index of ${title}</h1>\n<pre>\n${rows.join('\n')}\n</pre></body></html>\n`,
  );
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
