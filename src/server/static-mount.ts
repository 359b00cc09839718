/**
 * Static mounts (`addStaticPath`, `setServerRoot`): the file a mount holds for a request, found
 * by the pure resolution in `static/` and sent by the response's file sending.
 */
import { HttpError } from '../errors/index.js';
import type { Request } from '../exchange/request.js';
import { resolveStaticPath } from '../static/index.js';

export interface StaticMount {
  /** URL prefix without a trailing slash ('' for the root). */
  prefix: string;
  dir: string;
}

/**
 * Serves the file a static mount holds for this request; false when there is none.
 * @example if (await serveStaticFile(r, { prefix: '/assets', dir: './public' })) return;
 */
export async function serveStaticFile(r: Request, mount: StaticMount): Promise<boolean> {
  // resolveStaticPath takes the path below the prefix with its leading slash ('' is the prefix
  // itself, '/' its directory): stripping the slash made `/static/` redirect to itself forever.
  const found = await resolveStaticPath(mount.dir, r.path.slice(mount.prefix.length));
  switch (found.kind) {
    case 'not-found':
      return false;
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
      await r.response.serveFile(found.path);
      return true;
  }
}
