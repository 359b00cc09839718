// A small HTTP client that sends what GoFrame's `g.Client()` sends in its ghttp unit tests, so
// the translated cases make the same requests:
// - GET appends the data to the query string (unless the Content-Type is JSON or XML: then it
//   is the body); other methods send it as the body;
// - a body without an explicit Content-Type is marked `application/json` when it is valid JSON
//   starting with `{` or `[`, `application/x-www-form-urlencoded` when it looks like
//   `name=value` (`^[\w\[\]]+=.+`), and left without a Content-Type otherwise;
// - redirects are followed (up to 10), as Go's client does;
// - a `#` in the URL starts a fragment, which is not sent (data appended to a GET may hold one);
// - the path is sent as written (no dot-segment or slash normalisation, unlike `fetch`), and a
//   `host` option sets the Host header (what `fetch` cannot), for domain-bound routes;
// - data holding a `@file:<path>` value (a map, or a `k=v&...` string) is sent as
//   multipart/form-data, the file under its base name, as GoFrame's client uploads.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface GfResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Every header name as sent on the wire, with its values (to count repeated fields). */
  rawHeaders: string[];
}

export type GfData = string | Record<string, unknown>;

export interface GfClientOptions {
  /** The Host header to send (default: the URL's host). */
  host?: string;
  headers?: Record<string, string>;
  /** Follow redirects (default true). */
  follow?: boolean;
  /** GoFrame's `SetBrowserMode(true)`: a cookie jar kept across requests. */
  jar?: Map<string, string>;
}

const FORM_LIKE = /^[\w[\]]+=.+/;

function isJsonText(text: string): boolean {
  if (text[0] !== '{' && text[0] !== '[') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** GoFrame's client, bound to a base URL (`http://127.0.0.1:port`). */
export class GfClient {
  constructor(
    readonly base: string,
    readonly opts: GfClientOptions = {},
  ) {}

  /** A copy that sends this header too (GoFrame's `SetHeader`). */
  header(name: string, value: string): GfClient {
    return new GfClient(this.base, {
      ...this.opts,
      headers: { ...this.opts.headers, [name]: value },
    });
  }

  /** A copy that sends this Host header. */
  host(host: string): GfClient {
    return new GfClient(this.base, { ...this.opts, host });
  }

  /** GoFrame's `ContentJson()`: Content-Type application/json, objects sent as JSON. */
  contentJson(): GfClient {
    return this.header('Content-Type', 'application/json');
  }

  /** GoFrame's `SetBrowserMode(true)`: keeps the cookies the server sets and sends them back. */
  browserMode(): GfClient {
    return new GfClient(this.base, { ...this.opts, jar: new Map() });
  }

  /** A copy that does not follow redirects. */
  noFollow(): GfClient {
    return new GfClient(this.base, { ...this.opts, follow: false });
  }

  async request(method: string, path: string, data?: GfData): Promise<GfResponse> {
    const headers: Record<string, string> = { ...this.opts.headers };
    const contentType = Object.entries(headers).find(
      ([k]) => k.toLowerCase() === 'content-type',
    )?.[1];
    const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
    const structured = mediaType === 'application/json' || mediaType === 'application/xml';
    let params = '';
    if (data !== undefined) {
      if (typeof data === 'string') params = data;
      else if (mediaType === 'application/json') params = JSON.stringify(data);
      else params = new URLSearchParams(data as Record<string, string>).toString();
    }
    let target = path;
    let body: string | Buffer | undefined;
    const upload = data === undefined ? undefined : multipartOf(data);
    if (upload) {
      headers['Content-Type'] = `multipart/form-data; boundary=${upload.boundary}`;
      body = upload.body;
    } else if (method === 'GET' && !structured) {
      if (params !== '') target += (target.includes('?') ? '&' : '?') + params;
    } else {
      body = params;
      if (contentType === undefined && params.length > 0) {
        if (isJsonText(params)) headers['Content-Type'] = 'application/json';
        else if (FORM_LIKE.test(params))
          headers['Content-Type'] = 'application/x-www-form-urlencoded';
      }
    }
    // Go's client parses the URL: a `#` starts a fragment, which is never sent.
    const hash = target.indexOf('#');
    if (hash !== -1) target = target.slice(0, hash);
    const jar = this.opts.jar;
    if (jar && jar.size > 0) {
      headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let res = await send(this.base, method, target, headers, body, this.opts.host);
    if (jar) {
      for (const line of res.headers['set-cookie'] ?? []) {
        const [pair = '', ...attrs] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name);
        else jar.set(name, pair.slice(eq + 1).trim());
      }
    }
    for (let hops = 0; this.opts.follow !== false && hops < 10; hops++) {
      const location = res.headers.location;
      if (res.status < 300 || res.status > 399 || location === undefined) break;
      const next = new URL(location, this.base + target);
      target = next.pathname + next.search;
      // Go's client turns every redirected request into a GET without a body except 307/308.
      const keep = res.status === 307 || res.status === 308;
      res = await send(
        this.base,
        keep ? method : 'GET',
        target,
        keep ? headers : withoutBodyHeaders(headers),
        keep ? body : undefined,
        this.opts.host,
      );
    }
    return res;
  }

  get(path: string, data?: GfData): Promise<GfResponse> {
    return this.request('GET', path, data);
  }
  post(path: string, data?: GfData): Promise<GfResponse> {
    return this.request('POST', path, data);
  }
  put(path: string, data?: GfData): Promise<GfResponse> {
    return this.request('PUT', path, data);
  }
  delete(path: string, data?: GfData): Promise<GfResponse> {
    return this.request('DELETE', path, data);
  }
  patch(path: string, data?: GfData): Promise<GfResponse> {
    return this.request('PATCH', path, data);
  }
  options(path: string, data?: GfData): Promise<GfResponse> {
    return this.request('OPTIONS', path, data);
  }

  /** GoFrame's `GetContent`: the body whatever the status. */
  async getContent(path: string, data?: GfData): Promise<string> {
    return (await this.get(path, data)).body;
  }
  async postContent(path: string, data?: GfData): Promise<string> {
    return (await this.post(path, data)).body;
  }
  async putContent(path: string, data?: GfData): Promise<string> {
    return (await this.put(path, data)).body;
  }
  async deleteContent(path: string, data?: GfData): Promise<string> {
    return (await this.delete(path, data)).body;
  }
  async patchContent(path: string, data?: GfData): Promise<string> {
    return (await this.patch(path, data)).body;
  }
}

const FILE_PREFIX = '@file:';

/** GoFrame's client: data with a `@file:` value is an upload. */
function multipartOf(data: GfData): { boundary: string; body: Buffer } | undefined {
  const pairs: Array<[string, string]> =
    typeof data === 'string'
      ? data.split('&').map((p) => {
          const eq = p.indexOf('=');
          return eq === -1 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
        })
      : Object.entries(data).map(([k, v]) => [k, String(v)]);
  if (!pairs.some(([, v]) => v.startsWith(FILE_PREFIX))) return undefined;
  const boundary = `----gfclient${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [k, v] of pairs) {
    if (v.startsWith(FILE_PREFIX)) {
      const path = v.slice(FILE_PREFIX.length);
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${k}"; filename="${basename(path)}"\r\n` +
            'Content-Type: application/octet-stream\r\n\r\n',
        ),
        readFileSync(path),
        Buffer.from('\r\n'),
      );
    } else {
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`),
      );
    }
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { boundary, body: Buffer.concat(parts) };
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== 'content-type') out[k] = v;
  }
  return out;
}

function send(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  host: string | undefined,
): Promise<GfResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        agent: false,
        headers: {
          ...headers,
          ...(host === undefined ? {} : { Host: host }),
          ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaders: res.rawHeaders,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** GoFrame's `response.GetCookie(name)`: a cookie the response sets. */
export function cookieOf(res: GfResponse, name: string): string | undefined {
  for (const line of res.headers['set-cookie'] ?? []) {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    if (pair.slice(0, eq).trim() === name) return decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return undefined;
}

/** A GoFrame-style client for `url` (from `startServer`). */
export function gfClient(url: string, options?: GfClientOptions): GfClient {
  return new GfClient(url, options);
}
