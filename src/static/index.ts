/**
 * Static files, as server-independent pieces: {@link resolveStaticPath} maps a URL path to a
 * file (or refuses it), {@link planFileResponse} decides status, headers and range; the core's
 * Response streams the bytes.
 */
import type { PlanFileOptions } from './plan-file-response.js';
import type { ResolveStaticOptions } from './resolve-static-path.js';

export {
  resolveStaticPath,
  type DotfilesPolicy,
  type ForbiddenReason,
  type ResolveStaticOptions,
  type StaticResolution,
} from './resolve-static-path.js';
export {
  contentTypeOf,
  planFileResponse,
  weakETag,
  type FileRequestHeaders,
  type FileResponsePlan,
  type PlanFileOptions,
} from './plan-file-response.js';

/**
 * Options of a static mount (`addStaticPath(prefix, dir, options)`, `setServerRoot`).
 * Defaults: `index: ['index.html']`, `dotfiles: 'ignore'` (404), `cacheControl:
 * 'public, max-age=0'`.
 * @example
 * const options: StaticOptions = { index: ['index.html', 'index.htm'], dotfiles: 'deny' };
 */
export interface StaticOptions extends ResolveStaticOptions, PlanFileOptions {}
