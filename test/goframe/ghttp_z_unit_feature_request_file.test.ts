// GoFrame net/ghttp/ghttp_z_unit_feature_request_file_test.go, translated case by case.
// GoFrame's `r.GetUploadFile(name)` reads the body on first use; in Sluice the handler first
// awaits `r.parse()` (translation rules). `file.Save(dir, random)` is `await file.save(dir,
// random)`. A strict route's `*ghttp.UploadFile` field is `z.instanceof(UploadFile)`, and
// `ghttp.UploadFiles` is `z.preprocess(toUploadFiles, z.array(z.instanceof(UploadFile)))`.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  defineRoute,
  g,
  handle,
  handlerResponse,
  toUploadFiles,
  UploadFile,
  type Request,
} from '../../src/index.js';
import { startServer } from '../helpers/server.js';
import { gfClient } from './gf-client.js';
import { gBool } from './gconv.js';

const FILE1 = fileURLToPath(new URL('./testdata/upload/file1.txt', import.meta.url));
const FILE2 = fileURLToPath(new URL('./testdata/upload/file2.txt', import.meta.url));
const contents = (path: string): string => readFileSync(path, 'utf8');

/** GoFrame's `gfile.Temp(gtime.TimestampNanoStr())`: a fresh target directory. */
function targetDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-goframe-upload-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** GoFrame's single-upload handler (Test_Params_File_Single). */
function singleUpload(dir: string, rename?: string) {
  return async (r: Request): Promise<void> => {
    await r.parse();
    const file = r.getUploadFile('file');
    if (!file) return r.response.writeExit('upload file cannot be empty');
    if (rename !== undefined) file.filename = rename;
    let name: string;
    try {
      name = await file.save(dir, gBool(r.get('randomlyRename')));
    } catch {
      return r.response.writeExit('upload failed');
    }
    r.response.writeExit(name);
  };
}

describe('GoFrame request files', () => {
  // Test_Params_File_Single
  it('saves a single upload under its own name', async () => {
    const dir = targetDir();
    const { url } = await startServer((s) => s.bindHandler('/upload/single', singleUpload(dir)));
    const content = await gfClient(url).postContent('/upload/single', { file: '@file:' + FILE1 });
    assert.equal(content, 'file1.txt');
    assert.equal(contents(join(dir, 'file1.txt')), contents(FILE1));
  });

  // Test_Params_File_Single
  it('saves a single upload under a random name', async () => {
    const dir = targetDir();
    const { url } = await startServer((s) => s.bindHandler('/upload/single', singleUpload(dir)));
    const content = await gfClient(url).postContent('/upload/single', {
      file: '@file:' + FILE2,
      randomlyRename: true,
    });
    assert.notEqual(content, '');
    assert.notEqual(content, 'upload file cannot be empty');
    assert.notEqual(content, 'upload failed');
    assert.notEqual(content, 'file2.txt');
    assert.match(content, /^[a-z0-9]+\.txt$/);
    assert.equal(contents(join(dir, content)), contents(FILE2));
  });

  // Test_Params_File_CustomName
  it('saves an upload under a name the handler set', async () => {
    const dir = targetDir();
    const { url } = await startServer((s) =>
      s.bindHandler('/upload/single', singleUpload(dir, 'my.txt')),
    );
    const content = await gfClient(url).postContent('/upload/single', { file: '@file:' + FILE1 });
    assert.equal(content, 'my.txt');
    assert.equal(contents(join(dir, 'my.txt')), contents(FILE1));
  });

  // Test_Params_File_Batch
  it('saves a batch sent as file[0], file[1]', async () => {
    const dir = targetDir();
    const { url } = await startServer((s) =>
      s.bindHandler('/upload/batch', async (r) => {
        await r.parse();
        const files = r.getUploadFiles('file');
        if (!files) return r.response.writeExit('upload file cannot be empty');
        const names = await files.save(dir, gBool(r.get('randomlyRename')));
        r.response.writeExit(names.join(','));
      }),
    );
    const c = gfClient(url);
    const content = await c.postContent('/upload/batch', {
      'file[0]': '@file:' + FILE1,
      'file[1]': '@file:' + FILE2,
    });
    assert.equal(content, 'file1.txt,file2.txt');
    assert.equal(contents(join(dir, 'file1.txt')), contents(FILE1));
    assert.equal(contents(join(dir, 'file2.txt')), contents(FILE2));
    const random = await c.postContent('/upload/batch', {
      'file[0]': '@file:' + FILE1,
      'file[1]': '@file:' + FILE2,
      randomlyRename: true,
    });
    const names = random.split(',');
    assert.equal(names.length, 2);
    assert.equal(contents(join(dir, names[0]!)), contents(FILE1));
    assert.equal(contents(join(dir, names[1]!)), contents(FILE2));
  });

  // Test_Params_Strict_Route_File_Single_Ptr_Attrr, Test_Params_Strict_Route_File_Single_Struct_Attr
  it('gives a strict route its file field', async () => {
    const dir = targetDir();
    const upload = defineRoute({
      method: 'POST',
      path: '/upload/single',
      input: z.object({ file: z.instanceof(UploadFile).optional() }),
    });
    const { url } = await startServer((s) =>
      s.bind({
        upload: handle(upload, async (ctx, req) => {
          const r = g.requestFromCtx(ctx)!;
          if (!req.file) return r.response.writeExit('upload file cannot be empty');
          r.response.writeExit(await req.file.save(dir));
        }),
      }),
    );
    const content = await gfClient(url).postContent('/upload/single', { file: '@file:' + FILE1 });
    assert.equal(content, 'file1.txt');
    assert.equal(contents(join(dir, 'file1.txt')), contents(FILE1));
  });

  // Test_Params_File_Upload_Required
  // DIFFERENCE: a validation failure answers HTTP 400 with code "SLUICE_VALIDATION" and the
  // failing field named (as DIFFERENCES.md #8); GoFrame answers HTTP 200 with
  // `{"code":51,"message":"upload file is required","data":null}`.
  it('refuses a strict route without its required file', async () => {
    const required = defineRoute({
      method: 'POST',
      path: '/upload/required',
      input: z.object({
        file: z.instanceof(UploadFile, { message: 'upload file is required' }),
      }),
    });
    const { url } = await startServer((s) => {
      s.use(handlerResponse());
      s.bind({ required: handle(required, () => undefined) });
    });
    const res = await gfClient(url).post('/upload/required');
    assert.equal(res.status, 400);
    const body = JSON.parse(res.body) as {
      code: string;
      data: null;
      details: Array<{ path: string; message: string }>;
    };
    assert.equal(body.code, 'SLUICE_VALIDATION');
    assert.equal(body.data, null);
    assert.deepEqual(body.details, [{ path: 'file', message: 'upload file is required' }]);
  });

  // Test_Params_File_MarshalJSON
  it('writes a file as JSON with its name', async () => {
    const { url } = await startServer((s) =>
      s.bindHandler('/upload/single', async (r) => {
        await r.parse();
        const file = r.getUploadFile('file');
        if (!file) r.response.writeExit('upload file cannot be empty');
        r.response.writeExit(JSON.stringify(file));
      }),
    );
    const content = await gfClient(url).postContent('/upload/single', { file: '@file:' + FILE1 });
    assert.ok(content.includes('file1.txt'), content);
    assert.ok(!content.includes('sluice-upload'), 'the temporary path is never shown');
  });

  // Test_Params_Strict_Route_File_Batch_Up_One, Test_Params_Strict_Route_File_Batch_Up_Multiple
  it('gives a strict route its list of files, one or several', async () => {
    const dir = targetDir();
    const batch = defineRoute({
      method: 'POST',
      path: '/upload/batch',
      input: z.object({ files: z.preprocess(toUploadFiles, z.array(z.instanceof(UploadFile))) }),
    });
    const { url } = await startServer((s) =>
      s.bind({
        batch: handle(batch, async (ctx, req) => {
          const r = g.requestFromCtx(ctx)!;
          if (req.files.length === 0) r.response.writeExit('upload file cannot be empty');
          const names = await toUploadFiles(req.files).save(dir);
          r.response.writeExit(names.join(','));
        }),
      }),
    );
    const c = gfClient(url);
    assert.equal(await c.postContent('/upload/batch', { files: '@file:' + FILE1 }), 'file1.txt');
    assert.equal(
      await c.postContent('/upload/batch', `files=@file:${FILE1}&files=@file:${FILE2}`),
      'file1.txt,file2.txt',
    );
    assert.equal(contents(join(dir, 'file1.txt')), contents(FILE1));
    assert.equal(contents(join(dir, 'file2.txt')), contents(FILE2));
  });
});
