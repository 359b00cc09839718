/**
 * `multipart/form-data` bodies, parsed by `@fastify/busboy` (not by hand) and streamed: each
 * file goes to a temporary file as it arrives, with backpressure from the disk to the socket,
 * so memory holds a few buffers whatever the size. Every limit is enforced as the bytes arrive,
 * and the first one passed stops the parse with a coded error (nothing is silently truncated);
 * the temporary files of a failed parse are removed at once, the others when the request ends.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Busboy } from '@fastify/busboy';
import { HttpError, SluiceError } from '../errors/index.js';
import { UploadFile } from './upload-file.js';

/** The limits of one multipart body (`setConfig({ upload: {...} })`). */
export interface UploadLimits {
  /** Largest file in bytes (413 `SLUICE_UPLOAD_FILE_TOO_LARGE`). Default 32 MiB. */
  maxFileSize: number;
  /** Most files (413 `SLUICE_UPLOAD_TOO_MANY_FILES`). Default 20. */
  maxFiles: number;
  /** Most text fields (413 `SLUICE_UPLOAD_TOO_MANY_PARTS`). Default 1000. */
  maxFields: number;
  /** Largest text field value in bytes, and field names up to 1 KiB (413 `SLUICE_UPLOAD_FIELD_TOO_LARGE`). Default 1 MiB. */
  maxFieldSize: number;
  /** Most parts, files and fields together (413 `SLUICE_UPLOAD_TOO_MANY_PARTS`). Default 1000. */
  maxParts: number;
  /** The whole multipart body in bytes (413 `SLUICE_BODY_TOO_LARGE`); a route's own `bodyLimit` wins. Default 64 MiB. */
  maxTotalSize: number;
  /** Where temporary files go. Default: the OS temporary directory. */
  tempDir: string | undefined;
}

/** The defaults of {@link UploadLimits}. */
export const DEFAULT_UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({
  maxFileSize: 32 * 1024 * 1024,
  maxFiles: 20,
  maxFields: 1000,
  maxFieldSize: 1024 * 1024,
  maxParts: 1000,
  maxTotalSize: 64 * 1024 * 1024,
  tempDir: undefined,
});

/** What a multipart body holds: text fields as pairs, in order, and the files. */
export interface MultipartResult {
  pairs: Array<[string, string]>;
  files: UploadFile[];
}

/**
 * Parses a multipart body from `source` (the request body, already bounded by the total limit).
 * Rejects with a coded error (400 malformed, 413 a limit, 500 `SLUICE_UPLOAD_STORAGE` when a file
 * cannot be written) after removing what it wrote.
 * @example const { pairs, files } = await parseMultipart(stream, headers, limits, tmpdir())
 */
export async function parseMultipart(
  source: Readable,
  contentType: string,
  limits: UploadLimits,
  tempDir: string,
): Promise<MultipartResult> {
  const pairs: Array<[string, string]> = [];
  const slots: Array<UploadFile | undefined> = [];
  const writing = new Set<Promise<void>>();
  const temps: string[] = [];
  let failure: HttpError | SluiceError | undefined;
  let busboy: ReturnType<typeof makeBusboy>;
  try {
    busboy = makeBusboy(contentType, limits);
  } catch (err) {
    throw HttpError.fromCode('SLUICE_UPLOAD_MALFORMED', (err as Error).message);
  }
  const open = new Set<Readable>();
  const fail = (err: HttpError | SluiceError): void => {
    failure ??= err;
    // Stops the parse: the pipeline below rejects, and the request body is no longer read; the
    // files being written stop too (a destroyed parser does not end its file streams).
    busboy.destroy(err);
    for (const stream of open) stream.destroy(err);
  };

  busboy.on('field', (name, value, nameTruncated, valueTruncated) => {
    if (nameTruncated || valueTruncated) {
      return fail(
        HttpError.fromCode(
          'SLUICE_UPLOAD_FIELD_TOO_LARGE',
          `field "${name.slice(0, 64)}" is longer than ${valueTruncated ? limits.maxFieldSize : 1024} bytes`,
        ),
      );
    }
    pairs.push([name, value]);
  });
  busboy.on('file', (name, stream, filename, _encoding, mimeType) => {
    if (failure) return stream.resume();
    const path = join(tempDir, `sluice-upload-${randomUUID()}`);
    temps.push(path);
    // Files keep the order of their parts, whichever finishes writing first.
    const slot = slots.length;
    slots.push(undefined);
    let size = 0;
    open.add(stream);
    stream.on('close', () => open.delete(stream));
    stream.on('data', (chunk: Buffer) => (size += chunk.length));
    stream.on('limit', () =>
      fail(
        HttpError.fromCode(
          'SLUICE_UPLOAD_FILE_TOO_LARGE',
          `file "${name.slice(0, 64)}" is larger than ${limits.maxFileSize} bytes`,
        ),
      ),
    );
    const done = writeTempFile(stream, path).then(
      () => {
        if (!failure) slots[slot] = new UploadFile(name, filename, mimeType, path, size);
      },
      (err: unknown) => fail(writeError(err, name)),
    );
    writing.add(done);
    void done.finally(() => writing.delete(done));
  });
  busboy.on('partsLimit', () =>
    fail(HttpError.fromCode('SLUICE_UPLOAD_TOO_MANY_PARTS', `more than ${limits.maxParts} parts`)),
  );
  busboy.on('filesLimit', () =>
    fail(HttpError.fromCode('SLUICE_UPLOAD_TOO_MANY_FILES', `more than ${limits.maxFiles} files`)),
  );
  busboy.on('fieldsLimit', () =>
    fail(
      HttpError.fromCode('SLUICE_UPLOAD_TOO_MANY_PARTS', `more than ${limits.maxFields} fields`),
    ),
  );

  try {
    await pipeline(source, busboy);
    while (writing.size > 0) await Promise.all([...writing]);
  } catch (err) {
    fail(toHttpError(err));
  }
  if (failure) {
    while (writing.size > 0) await Promise.allSettled([...writing]);
    await Promise.all(temps.map((p) => fs.rm(p, { force: true }).catch(() => undefined)));
    throw failure;
  }
  return { pairs, files: slots.filter((f): f is UploadFile => f !== undefined) };
}

/**
 * Writes `stream` to a new file at `path` (created, never overwritten, mode 0600), settling only
 * once the file is closed, whether the write succeeded or not. `pipeline` alone can reject before
 * the file's `open` has finished (when the source fails first), and a removal done then runs
 * before the file exists and leaves it behind.
 * @example await writeTempFile(fileStream, join(tmpdir(), 'sluice-upload-1'))
 */
export async function writeTempFile(stream: Readable, path: string): Promise<void> {
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  const closed = new Promise<void>((resolve) => file.once('close', resolve));
  try {
    await pipeline(stream, file);
  } finally {
    await closed;
  }
}

function makeBusboy(contentType: string, limits: UploadLimits) {
  return new Busboy({
    headers: { 'content-type': contentType },
    limits: {
      fieldNameSize: 1024,
      fieldSize: limits.maxFieldSize,
      fields: limits.maxFields,
      fileSize: limits.maxFileSize,
      files: limits.maxFiles,
      parts: limits.maxParts,
      headerPairs: 32,
      headerSize: 16 * 1024,
    },
    // An empty file input (filename="") is a field with an empty value, as Go reads it.
    isPartAFile: (_field, _type, filename) => filename !== undefined && filename !== '',
  });
}

/**
 * Why a file's write failed: a limit (already coded), the disk (a filesystem error: the server's
 * fault, a 500 whose path goes to the log and not to the client), or the part was cut (400).
 */
function writeError(err: unknown, field: string): HttpError | SluiceError {
  if (err instanceof HttpError || err instanceof SluiceError) return err;
  if (typeof (err as NodeJS.ErrnoException | undefined)?.syscall === 'string') {
    return new SluiceError('SLUICE_UPLOAD_STORAGE', (err as Error).message, { cause: err });
  }
  return HttpError.fromCode('SLUICE_UPLOAD_MALFORMED', `file "${field.slice(0, 64)}" was cut`);
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const message = (err as Error | undefined)?.message ?? String(err);
  return HttpError.fromCode('SLUICE_UPLOAD_MALFORMED', message);
}
