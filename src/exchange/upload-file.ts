/**
 * One uploaded file (GoFrame's `*ghttp.UploadFile`): streamed to a temporary file while the
 * request arrived, removed when the request ends unless `save()` moved it. Its `filename` is
 * the client's name made safe: a plain base name that can never leave a target directory.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { extname, join, resolve, dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { SluiceError } from '../errors/index.js';

/**
 * An uploaded file. `await file.save(dir)` keeps it (returns the saved name); otherwise its
 * temporary copy is removed when the request ends.
 * @example
 * await r.parse();
 * const file = r.getUploadFile('avatar');
 * if (file) r.response.write(await file.save('/srv/avatars', true));
 */
export class UploadFile {
  /** The form field it came in. */
  readonly fieldName: string;
  /** The name the client sent, as sent (never used as a path). */
  readonly originalFilename: string;
  /** Its size in bytes. */
  readonly size: number;
  /** The Content-Type the client declared (not verified). */
  readonly type: string;
  #filename: string;
  #path: string;
  #temporary: boolean;

  /** @internal made by the multipart parser */
  constructor(fieldName: string, filename: string, type: string, path: string, size: number) {
    this.fieldName = fieldName;
    this.originalFilename = filename;
    this.#filename = safeFilename(filename);
    this.type = type;
    this.#path = path;
    this.size = size;
    this.#temporary = true;
  }

  /**
   * The name `save()` uses: the client's base name with separators, control characters and
   * reserved characters replaced by `_` (never empty, `.` or `..`). Settable, as in GoFrame
   * (`file.filename = 'my.txt'`); a name set here is made safe the same way.
   */
  get filename(): string {
    return this.#filename;
  }
  set filename(name: string) {
    this.#filename = safeFilename(name);
  }

  /** Where the bytes are now: the temporary file, or the saved one after `save()`. */
  get path(): string {
    return this.#path;
  }

  /**
   * Saves the file into `dir` (created if missing) as `filename`, or under a random name that
   * keeps the extension; resolves the name used. The first save moves the temporary file;
   * later ones copy. An existing file of that name is replaced.
   * @example const name = await file.save('./uploads', true) // 'lq3k9x2m1a8f.png'
   */
  async save(dir: string, randomName = false): Promise<string> {
    const name = randomName ? randomFilename(this.#filename) : this.#filename;
    const target = resolve(dir);
    const dest = join(target, name);
    if (dirname(dest) !== target) {
      throw new SluiceError('SLUICE_UPLOAD_SAVE', `"${name}" would leave ${target}`);
    }
    try {
      await fs.mkdir(target, { recursive: true });
      if (this.#temporary) {
        await fs.rename(this.#path, dest).catch(async (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EXDEV') throw err;
          await fs.copyFile(this.#path, dest);
          await fs.rm(this.#path, { force: true });
        });
        this.#temporary = false;
        this.#path = dest;
      } else if (this.#path !== dest) {
        await fs.copyFile(this.#path, dest);
      }
    } catch (err) {
      if (err instanceof SluiceError) throw err;
      throw new SluiceError('SLUICE_UPLOAD_SAVE', `${dest}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return name;
  }

  /**
   * The bytes as a stream (from the temporary file, or the saved one).
   * @example await r.response.stream(file.stream(), { contentType: file.type })
   */
  stream(): Readable {
    return createReadStream(this.#path);
  }

  /**
   * The bytes at once (mind the size: prefer `stream()` or `save()` for large files).
   * @example const text = (await file.bytes()).toString('utf8')
   */
  bytes(): Promise<Buffer> {
    return fs.readFile(this.#path);
  }

  /** @internal removes the temporary file unless it was saved */
  async discard(): Promise<void> {
    if (this.#temporary) {
      this.#temporary = false;
      await fs.rm(this.#path, { force: true }).catch(() => undefined);
    }
  }

  /** What JSON shows of a file (never its path). */
  toJSON(): { fieldName: string; filename: string; size: number; type: string } {
    return {
      fieldName: this.fieldName,
      filename: this.#filename,
      size: this.size,
      type: this.type,
    };
  }
}

/**
 * Several uploaded files (GoFrame's `UploadFiles`): an array with `save()` for all.
 * @example const names = await r.getUploadFiles('photos')?.save('./photos')
 */
export class UploadFiles extends Array<UploadFile> {
  /**
   * Saves every file into `dir`; resolves the names used, in order.
   * @example await files.save('/srv/uploads', true)
   */
  async save(dir: string, randomName = false): Promise<string[]> {
    const names: string[] = [];
    for (const f of this) names.push(await f.save(dir, randomName));
    return names;
  }

  /** Plain arrays from map/filter/slice. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/**
 * A form field's files as a list, whatever was sent: one file, several, or none (for a typed
 * route's schema: `z.preprocess(toUploadFiles, z.array(z.instanceof(UploadFile)))`).
 * @example toUploadFiles(r.get('photos')).length
 */
export function toUploadFiles(value: unknown): UploadFiles {
  const out = new UploadFiles();
  const list = Array.isArray(value) ? (value as unknown[]) : value === undefined ? [] : [value];
  for (const v of list) if (v instanceof UploadFile) out.push(v);
  return out;
}

// Windows-reserved and separator characters, controls, and DEL.
const UNSAFE = /[\x00-\x1f\x7f/\\:*?"<>|]/g;
const MAX_NAME_BYTES = 200;

/**
 * A client's file name made safe to join to a directory: its last path segment, unsafe
 * characters replaced by `_`, trailing dots and spaces dropped, at most 200 UTF-8 bytes (the
 * extension kept); never empty, `.` or `..` (`file` then).
 * @example safeFilename('../../etc/passwd') // 'passwd'
 * @example safeFilename('C:\\temp\\a<b>.txt') // 'a_b_.txt'
 */
export function safeFilename(name: string): string {
  const base = String(name).split(/[/\\]/).pop() ?? '';
  let clean = base.replace(UNSAFE, '_').replace(/[. ]+$/, '');
  if (/\p{Cs}/u.test(clean)) clean = clean.replace(/\p{Cs}/gu, '_');
  if (Buffer.byteLength(clean) > MAX_NAME_BYTES) {
    const ext = extname(clean).slice(0, 16);
    let stem = clean.slice(0, clean.length - ext.length);
    while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join('');
    clean = stem + ext;
  }
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

/** GoFrame's random name: base-36 time and random characters, lower case, the extension kept. */
function randomFilename(name: string): string {
  const ext = extname(name).toLowerCase();
  const rand = randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0');
  return Date.now().toString(36) + rand + (/^\.[\w-]{1,15}$/.test(ext) ? ext : '');
}
