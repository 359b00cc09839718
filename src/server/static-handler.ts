/**
 * Serving a file into a response: resolution and headers come from `static/`, the bytes are
 * streamed from disk through the response's outlet (with backpressure).
 */
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import { HttpError } from '../errors.js';
import type { Request } from '../request/request.js';
import { planFileResponse, resolveStaticPath } from '../static/index.js';

export interface StaticMount {
  /** URL prefix without a trailing slash ('' for the root). */
  prefix: string;
  dir: string;
}

/** Serves the file a static mount holds for this request; false when there is none. */
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
      await sendFile(r, found.path, found.stat);
      return true;
  }
}

/** Sends a file with type, ETag/Last-Modified (304) and Range (206/416). */
export async function sendFile(r: Request, path: string, stat?: Stats): Promise<void> {
  const st = stat ?? (await fs.stat(path).catch(() => undefined));
  if (!st || !st.isFile()) throw new HttpError(404, 'Not Found');
  const h = r.raw.headers;
  const plan = planFileResponse(
    st,
    {
      method: r.method,
      range: h.range,
      ifNoneMatch: h['if-none-match'],
      ifModifiedSince: h['if-modified-since'],
      ifRange: typeof h['if-range'] === 'string' ? h['if-range'] : undefined,
    },
    path,
  );
  const res = r.response;
  // As GoFrame: what a hook or handler wrote before is replaced by the file, never sent with it.
  res.clearBuffer();
  res.status = plan.status;
  const headers = res.header();
  for (const [k, v] of Object.entries(plan.headers)) headers.set(k, v);
  if (plan.status === 304 || plan.status === 416 || r.method === 'HEAD' || st.size === 0) {
    if (plan.status === 416) res.write('Range Not Satisfiable');
    return;
  }
  const range = plan.range ?? { start: 0, end: st.size - 1 };
  await res.stream(
    createReadStream(path, { start: range.start, end: range.end, highWaterMark: 64 * 1024 }),
  );
}
