/**
 * Sending a file as the response: status and headers come from the pure planning in
 * `static/` (type, ETag/Last-Modified and 304, Range with 206/416), the bytes are streamed from
 * disk through the response's Sink with backpressure (a file up to 64 KiB is read at once and
 * sent buffered). The file is the whole body, as GoFrame serves it: what the handler buffered
 * before is replaced, and what is written after (an afterServe hook's output) is dropped.
 */
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import type { Readable } from 'node:stream';
import { HttpError } from '../errors/index.js';
import type { ResponseHeaders } from '../http/headers.js';
import { planFileResponse, type PlanFileOptions } from '../static/index.js';

/** How a file is sent: the plan's options, and what a precompressed sibling changes. */
export interface SendFileOptions extends PlanFileOptions {
  /** The Content-Type to send (a precompressed sibling keeps its original's type). */
  contentType?: string;
  /** The Content-Encoding of the bytes on disk (`br`, `gzip`), for a precompressed sibling. */
  contentEncoding?: string;
}

/** The request headers file sending reads. */
export interface FileRequest {
  readonly method: string;
  header(name: string): string | undefined;
}

/** What file sending needs from the response (the response implements it). */
export interface FileResponse {
  status: number;
  header(): ResponseHeaders;
  clearBuffer(): void;
  write(...values: unknown[]): void;
  stream(source: Readable): Promise<boolean>;
  /** The file is the whole body: later buffered writes (an afterServe hook's) are dropped. */
  sealBody(): void;
}

/**
 * Sends a file: 404 (`HttpError`) when it is missing or not a file.
 * @example await sendFile(r, r.response, '/srv/report.pdf')
 */
export async function sendFile(
  r: FileRequest,
  res: FileResponse,
  path: string,
  stat?: Stats,
  options: SendFileOptions = { etag: 'strong' },
): Promise<void> {
  const st = stat ?? (await fs.stat(path).catch(() => undefined));
  if (!st || !st.isFile()) throw new HttpError(404, 'Not Found');
  const plan = planFileResponse(
    st,
    {
      method: r.method,
      range: r.header('range'),
      ifNoneMatch: r.header('if-none-match'),
      ifModifiedSince: r.header('if-modified-since'),
      ifRange: r.header('if-range'),
    },
    path,
    options,
  );
  res.clearBuffer();
  res.status = plan.status;
  const headers = res.header();
  for (const [k, v] of Object.entries(plan.headers)) headers.set(k, v);
  if (options.contentEncoding !== undefined && plan.status !== 304 && plan.status !== 416) {
    headers.set('Content-Encoding', options.contentEncoding);
  }
  if (options.contentType !== undefined && plan.headers['Content-Type'] !== undefined) {
    headers.set('Content-Type', options.contentType);
  }
  if (plan.status === 304 || plan.status === 416 || r.method === 'HEAD' || st.size === 0) {
    if (plan.status === 416) res.write('Range Not Satisfiable');
    res.sealBody();
    return;
  }
  const range = plan.range ?? { start: 0, end: st.size - 1 };
  const length = range.end - range.start + 1;
  if (length <= SMALL_FILE) {
    // A small file is read at once and sent buffered (one write, Content-Length): measured
    // faster than a stream for it (bench/static). A file that changed size meanwhile is an error
    // rather than a body that contradicts its headers.
    const buf = await readRange(path, range.start, length);
    if (buf.length !== length) throw new Error(`${path} changed while it was being sent`);
    res.write(buf);
    res.sealBody();
    return;
  }
  res.sealBody();
  await res.stream(
    createReadStream(path, { start: range.start, end: range.end, highWaterMark: 64 * 1024 }),
  );
}

/** Files (or ranges) up to this size are read at once and sent buffered. */
const SMALL_FILE = 64 * 1024;

async function readRange(path: string, start: number, length: number): Promise<Buffer> {
  const fh = await fs.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === length ? buf : buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}
