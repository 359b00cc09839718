/**
 * Maps a raw URL path below a static prefix to a file on disk, or refuses it. Pure logic over
 * the file system: no HTTP objects, so the server core decides how each outcome is answered.
 *
 * The path is checked before the file system is touched (decoded exactly once, segment by
 * segment), and the real path (symlinks resolved) is checked again against the real root, so
 * neither an encoded `..` nor a symlink can lead outside the root.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { SluiceError } from '../errors/index.js';

/** How paths whose segments start with `.` are treated. */
export type DotfilesPolicy = 'deny' | 'ignore' | 'allow';

/** Options of {@link resolveStaticPath}. */
export interface ResolveStaticOptions {
  /**
   * File names tried, in order, when the path names a directory. Each must be a plain file
   * name (no separators, not `.` or `..`). Default `['index.html']`; `[]` disables index files.
   */
  index?: readonly string[];
  /**
   * Paths with a segment starting with `.` (`.env`, `.git/config`): `'deny'` answers forbidden,
   * `'ignore'` answers not-found as if the file did not exist, `'allow'` serves them.
   * Default `'ignore'`.
   */
  dotfiles?: DotfilesPolicy;
  /**
   * A directory (with its trailing slash) that has none of the index files answers
   * `{ kind: 'directory' }` instead of `not-found`, so the caller may list it or answer 403.
   * Default false.
   */
  reportDirectories?: boolean;
}

/**
 * Why a path was refused. The core answers 403 for all of them except `'malformed-encoding'`,
 * which it may answer with 400 (`SLUICE_BAD_REQUEST`) since the request itself is invalid.
 */
export type ForbiddenReason =
  | 'malformed-encoding'
  | 'encoded-separator'
  | 'backslash'
  | 'nul'
  | 'traversal'
  | 'absolute'
  | 'dotfile'
  | 'outside-root'
  | 'permission';

/** The outcome of {@link resolveStaticPath}. */
export type StaticResolution =
  /** Serve this regular file; `path` is its real path (no symlinks left in it). */
  | { kind: 'file'; path: string; stat: Stats }
  /**
   * The path names a directory but lacks the trailing slash: redirect to `location`, which is
   * the given `urlPath` (still percent-encoded) plus `/`. It is relative to the static prefix:
   * the core prepends the prefix and re-appends the query string.
   */
  | { kind: 'redirect'; location: string }
  /** Refused (403, or 400 for `'malformed-encoding'`); `reason` is for logs, not for clients. */
  | { kind: 'forbidden'; reason: ForbiddenReason }
  /** Nothing to serve (404): missing, not a regular file, a directory without index, or an ignored dotfile. */
  | { kind: 'not-found' }
  /** A directory without an index file (only with `reportDirectories`); `path` is its real path. */
  | { kind: 'directory'; path: string };

const DEFAULT_INDEX: readonly string[] = ['index.html'];
const DRIVE_LETTER = /^[A-Za-z]:/;
/** File-system errors that mean "there is nothing there". */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);
/** File-system errors that mean "there is something, but we may not read it". */
const DENIED = new Set(['EACCES', 'EPERM']);

type Decoded =
  { segments: string[]; trailingSlash: boolean } | { kind: 'forbidden'; reason: ForbiddenReason };

/**
 * Resolves the raw (still percent-encoded) `urlPath` below `root` to what should be served.
 *
 * Refused as `forbidden`, before any disk access: malformed percent-encoding, `%2f` or `%5c`
 * (an encoded separator), any backslash, NUL (raw or `%00`), a `.` or `..` segment (raw or
 * encoded, e.g. `%2e%2e`, `.%2e`), an empty segment (`//etc/passwd`, `a//b`: the leading `//`
 * would read as an absolute path), and a segment starting with a drive letter (`C:`). Each
 * segment is decoded exactly once, so `%252e%252e` is the literal file name `%2e%2e`.
 * Afterwards the real path (via `fs.promises.realpath`) must stay inside the real root, or the
 * answer is `forbidden` too. A directory answers a redirect to add the trailing slash, then its
 * first existing index file, else `not-found`. Only regular files are served (never FIFOs,
 * sockets or devices). The core must send the file at the returned real `path`.
 *
 * @param root Directory served; it may itself be or contain symlinks. A missing root answers `not-found`.
 * @param urlPath Path below the prefix, percent-encoded, without query (`''`, `/`, `/a/b.txt`).
 * @throws SluiceError `SLUICE_CONFIG` when an index name is not a plain file name.
 * @example
 * const r = await resolveStaticPath('./public', '/docs/');
 * if (r.kind === 'file') send(r.path, r.stat); // public/docs/index.html
 */
export async function resolveStaticPath(
  root: string,
  urlPath: string,
  options: ResolveStaticOptions = {},
): Promise<StaticResolution> {
  const index = options.index ?? DEFAULT_INDEX;
  const dotfiles = options.dotfiles ?? 'ignore';
  for (const name of index) assertIndexName(name);

  const decoded = decodeSegments(urlPath);
  if ('kind' in decoded) return decoded;
  const { segments, trailingSlash } = decoded;

  if (dotfiles !== 'allow' && segments.some((s) => s.startsWith('.'))) {
    return dotfiles === 'deny' ? { kind: 'forbidden', reason: 'dotfile' } : { kind: 'not-found' };
  }

  let realRoot: string;
  try {
    realRoot = await realRootOf(root);
  } catch (error) {
    return fsFailure(error);
  }

  const target = await statInside(realRoot, join(realRoot, ...segments));
  if (target.kind !== 'found') return target;
  if (target.stat.isFile()) {
    // `/file.txt/` names a directory that does not exist, as the file system would say.
    return trailingSlash
      ? { kind: 'not-found' }
      : { kind: 'file', path: target.path, stat: target.stat };
  }
  if (!target.stat.isDirectory()) return { kind: 'not-found' };
  if (!trailingSlash) return { kind: 'redirect', location: `${urlPath}/` };

  for (const name of index) {
    const candidate = await statInside(realRoot, join(target.path, name));
    if (candidate.kind === 'not-found') continue;
    if (candidate.kind === 'forbidden') return candidate;
    if (candidate.stat.isFile())
      return { kind: 'file', path: candidate.path, stat: candidate.stat };
  }
  return options.reportDirectories
    ? { kind: 'directory', path: target.path }
    : { kind: 'not-found' };
}

/**
 * The real path of a root, remembered (one `realpath` per root instead of one per request); a
 * root that could not be resolved is tried again next time.
 */
const realRoots = new Map<string, Promise<string>>();
function realRootOf(root: string): Promise<string> {
  let found = realRoots.get(root);
  if (!found) {
    if (realRoots.size > 256) realRoots.clear();
    found = realpath(root);
    realRoots.set(root, found);
    found.catch(() => realRoots.delete(root));
  }
  return found;
}

/** Splits the raw path into decoded segments, refusing anything that could escape or confuse. */
function decodeSegments(urlPath: string): Decoded {
  if (urlPath.includes('\\')) return { kind: 'forbidden', reason: 'backslash' };
  if (urlPath.includes('\0')) return { kind: 'forbidden', reason: 'nul' };
  // '' is the prefix itself (`/static`): the root, without its trailing slash.
  if (urlPath === '') return { segments: [], trailingSlash: false };
  const body = urlPath.startsWith('/') ? urlPath.slice(1) : urlPath;
  if (body === '') return { segments: [], trailingSlash: true };
  const raw = body.split('/');
  const trailingSlash = raw[raw.length - 1] === '';
  if (trailingSlash) raw.pop();

  const segments: string[] = [];
  for (const part of raw) {
    if (part === '') return { kind: 'forbidden', reason: 'absolute' };
    let segment: string;
    try {
      segment = decodeURIComponent(part);
    } catch {
      return { kind: 'forbidden', reason: 'malformed-encoding' };
    }
    if (segment.includes('/')) return { kind: 'forbidden', reason: 'encoded-separator' };
    if (segment.includes('\\')) return { kind: 'forbidden', reason: 'encoded-separator' };
    if (segment.includes('\0')) return { kind: 'forbidden', reason: 'nul' };
    if (segment === '.' || segment === '..') return { kind: 'forbidden', reason: 'traversal' };
    if (DRIVE_LETTER.test(segment)) return { kind: 'forbidden', reason: 'absolute' };
    // On Windows `name:stream` addresses an alternate data stream of another file.
    if (sep === '\\' && segment.includes(':')) return { kind: 'forbidden', reason: 'absolute' };
    segments.push(segment);
  }
  return { segments, trailingSlash };
}

type Found = { kind: 'found'; path: string; stat: Stats };

/** Resolves symlinks in `path`, checks the result is inside `realRoot`, and stats it. */
async function statInside(
  realRoot: string,
  path: string,
): Promise<Found | { kind: 'forbidden'; reason: ForbiddenReason } | { kind: 'not-found' }> {
  try {
    const real = await realpath(path);
    if (!isInside(realRoot, real)) return { kind: 'forbidden', reason: 'outside-root' };
    return { kind: 'found', path: real, stat: await stat(real) };
  } catch (error) {
    return fsFailure(error);
  }
}

function isInside(realRoot: string, real: string): boolean {
  if (real === realRoot) return true;
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  return real.startsWith(prefix);
}

/** Maps an expected file-system error to an outcome; anything else is rethrown. */
function fsFailure(
  error: unknown,
): { kind: 'forbidden'; reason: ForbiddenReason } | { kind: 'not-found' } {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (ABSENT.has(code)) return { kind: 'not-found' };
  if (DENIED.has(code)) return { kind: 'forbidden', reason: 'permission' };
  throw error;
}

function assertIndexName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new SluiceError(
      'SLUICE_CONFIG',
      `static index ${JSON.stringify(name)} must be a plain file name`,
    );
  }
}
