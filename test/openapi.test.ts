// The OpenAPI document (API §14): built from typed routes through the Standard JSON Schema
// interface, valid under independent validators (the OAI's own 3.2 and 3.1 JSON Schemas through
// @hyperjump/json-schema, and @apidevtools/swagger-parser for 3.1), every $ref resolvable,
// compared against a snapshot (UPDATE_SNAPSHOTS=1 rewrites it), served over HTTP.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import * as v from 'valibot';
import SwaggerParser from '@apidevtools/swagger-parser';
import { validate as validate32 } from '@hyperjump/json-schema/openapi-3-2';
import { validate as validate31 } from '@hyperjump/json-schema/openapi-3-1';
import { Server, buildOpenApiDocument, defineRoute, handle, jsonSchemaOf } from '../src/index.js';
import { defineOpenApiApp } from './fixtures/openapi-app.js';
import { memoryLogger, startServer } from './helpers/server.js';

// A parsed JSON document, walked by key in assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;
const SNAPSHOT = new URL('./snapshots/openapi-3.2.json', import.meta.url);

function appDocument(version?: '3.2.0' | '3.1.0'): Doc {
  const s = new Server({ logger: memoryLogger() });
  defineOpenApiApp(s);
  return s.openApi(version ? { version } : {});
}

/** Every `$ref` in the document points at something that exists. */
function unresolvedRefs(doc: Doc): string[] {
  const missing: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        let at: any = doc;
        for (const seg of v.replace(/^#\//, '').split('/')) at = at?.[seg.replace(/~1/g, '/')];
        if (at === undefined) missing.push(v);
      } else walk(v);
    }
  };
  walk(doc);
  return missing;
}

describe('the document', () => {
  it('is valid OpenAPI 3.2.0 under the OAI schema (schema-base: Schema Objects checked too)', async () => {
    const doc = appDocument();
    assert.equal(doc.openapi, '3.2.0');
    const out = await validate32('https://spec.openapis.org/oas/3.2/schema-base', doc, 'BASIC');
    assert.equal(out.valid, true, JSON.stringify(out));
    assert.deepEqual(unresolvedRefs(doc), []);
  });

  it('the validator is not a rubber stamp: a broken document fails it', async () => {
    const doc = appDocument();
    doc.paths['/api/tree'].post.responses = 'none';
    const out = await validate32('https://spec.openapis.org/oas/3.2/schema-base', doc, 'BASIC');
    assert.equal(out.valid, false);
  });

  it('is valid OpenAPI 3.1.0 (OAI schema and swagger-parser, which also resolves every $ref)', async () => {
    const doc = appDocument('3.1.0');
    assert.equal(doc.openapi, '3.1.0');
    const out = await validate31('https://spec.openapis.org/oas/3.1/schema-base', doc, 'BASIC');
    assert.equal(out.valid, true, JSON.stringify(out));
    await SwaggerParser.validate(structuredClone(doc) as never);
    assert.deepEqual(unresolvedRefs(doc), []);
    // 3.2's itemSchema is not 3.1: there it moves under the x-sluice-itemSchema extension.
    const sse = doc.paths['/api/chat/{room}'].post.responses['200'].content['text/event-stream'];
    assert.equal(sse.itemSchema, undefined);
    assert.ok(sse['x-sluice-itemSchema'].oneOf);
    const withItemSchema = structuredClone(doc);
    withItemSchema.paths['/api/chat/{room}'].post.responses['200'].content[
      'text/event-stream'
    ].itemSchema = {};
    const refused = await validate31(
      'https://spec.openapis.org/oas/3.1/schema-base',
      withItemSchema,
      'BASIC',
    );
    assert.equal(refused.valid, false, 'itemSchema in a 3.1 document must be refused');
  });

  it('matches the snapshot (UPDATE_SNAPSHOTS=1 to accept a change)', () => {
    const text = JSON.stringify(appDocument(), null, 2) + '\n';
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, text);
    assert.equal(text, readFileSync(SNAPSHOT, 'utf8'));
  });

  it('describes an SSE route as the 3.2 spec shows: oneOf per event, JSON data as contentSchema', () => {
    const doc = appDocument();
    const media = doc.paths['/api/chat/{room}'].post.responses['200'].content['text/event-stream'];
    const alternatives = media.itemSchema.oneOf as Doc[];
    const byName = Object.fromEntries(
      alternatives.map((a) => [a.properties.event.const, a.properties.data]),
    );
    assert.deepEqual(Object.keys(byName), ['token', 'done', 'note']);
    assert.deepEqual(byName.token, {
      type: 'string',
      contentMediaType: 'application/json',
      contentSchema: { $ref: '#/components/schemas/ChatTokenEvent' },
    });
    // A string event travels as-is: no JSON wrapper.
    const logs = doc.paths['/api/logs'].get.responses['200'].content['text/event-stream'];
    assert.deepEqual(logs.itemSchema.oneOf[0].properties.data, {
      $ref: '#/components/schemas/LogsLineEvent',
    });
    assert.deepEqual(doc.components.schemas.LogsLineEvent, { type: 'string' });
    assert.deepEqual(doc.components.schemas.ChatTokenEvent.properties, {
      text: { type: 'string' },
    });
    assert.deepEqual(media['x-sluice-events'], { $ref: '#/components/schemas/ChatEvents' });
    const reserved = media['x-sluice-reserved-events'].map((e: Doc) => e.event ?? e.data);
    assert.deepEqual(reserved, ['sluice-reset', 'sluice-end', 'error', '[DONE]']);
  });

  it('describes an NDJSON route as application/jsonl and application/x-ndjson items', () => {
    const op = appDocument().paths['/api/export/{rest}'].get;
    const content = op.responses['200'].content;
    for (const type of ['application/jsonl', 'application/x-ndjson']) {
      assert.deepEqual(content[type].itemSchema, { $ref: '#/components/schemas/ExportRowsItem' });
    }
    assert.equal(op.parameters[0].name, 'rest');
    assert.equal(op.parameters[0]['x-sluice-wildcard'], true);
    assert.deepEqual(op.parameters[1], {
      name: 'limit',
      in: 'query',
      required: false,
      schema: { type: 'integer', maximum: 1000, default: 10, minimum: -9007199254740991 },
    });
  });

  it('puts path params in the path, the rest in the query (GET) or the body (POST), metadata on the operation', () => {
    const doc = appDocument();
    const get = doc.paths['/api/user/{id}'].get;
    assert.equal(get.operationId, 'getUser');
    assert.equal(get.summary, 'One user');
    assert.equal(get.description, 'Looks a user up by **id**.');
    assert.deepEqual(get.tags, ['users']);
    assert.deepEqual(
      get.parameters.map((p: Doc) => [p.name, p.in, p.required]),
      [
        ['id', 'path', true],
        ['verbose', 'query', false],
      ],
    );
    const post = doc.paths['/api/users'].post;
    assert.deepEqual(post.security, [{ bearer: [] }]);
    assert.equal(post.operationId, 'postApiUsers');
    assert.deepEqual(post.requestBody.content['application/json'].schema.required, [
      'name',
      'email',
    ]);
    assert.equal(
      post.responses['200'].content['application/json'].schema.$ref,
      '#/components/schemas/User',
    );
    assert.equal(
      post.responses['400'].content['application/json'].schema.$ref,
      '#/components/schemas/SluiceError',
    );
    const patch = doc.paths['/api/user/{id}/name'].patch;
    assert.equal(patch.deprecated, true);
    // valibot: id is a path parameter, name the body.
    assert.deepEqual(Object.keys(patch.requestBody.content['application/json'].schema.properties), [
      'name',
    ]);
    assert.deepEqual(doc.components.securitySchemes, {
      bearer: { type: 'http', scheme: 'bearer' },
    });
  });

  it('hoists a recursive schema into components instead of a $ref to the document root', () => {
    const doc = appDocument();
    const out = doc.paths['/api/tree'].post.responses['200'].content['application/json'].schema;
    const name = out.$ref.split('/').pop();
    assert.equal(doc.components.schemas[name].properties.children.items.$ref, out.$ref);
    assert.ok(!JSON.stringify(doc).includes('"$ref":"#"'));
  });

  it('documents only typed routes; plain routes and the docs routes stay out', () => {
    const s = new Server({ logger: memoryLogger() });
    defineOpenApiApp(s);
    s.get('/plain/:id', (r) => r.params.id);
    const paths = Object.keys(s.openApi().paths as object);
    assert.ok(!paths.includes('/plain/{id}'));
    assert.ok(!paths.some((p) => p.startsWith('/docs') || p === '/api.json'));
  });

  it('a schema without JSON Schema support is documented as any value, with one warning logged', () => {
    const log = memoryLogger();
    const s = new Server({ logger: log });
    // A bare valibot schema has no ~standard.jsonSchema (only toStandardJsonSchema adds it).
    const route = defineRoute({
      method: 'POST',
      path: '/bare',
      input: v.object({ a: v.string() }),
    });
    s.bind({ bare: handle(route, () => 'ok') });
    const paths = s.openApi().paths as Doc;
    const body = paths['/bare'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(body, {
      description: 'a valibot schema without the Standard JSON Schema interface: any value',
    });
    s.openApi();
    s.openApi({ version: '3.1.0' });
    const warnings = log.records.filter((r) => r.msg === 'sluice: OpenAPI document');
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]!.obj.warning), /toStandardJsonSchema/);
  });

  it('a part the library cannot express (a date) becomes any value, the rest stays exact', () => {
    const converted = jsonSchemaOf(z.object({ at: z.date(), n: z.number() }), 'input');
    assert.deepEqual(converted.schema.properties, { at: {}, n: { type: 'number' } });
    assert.match(converted.warning ?? '', /Date cannot be represented/);
  });

  it('fields read from a header, a cookie or the query (GoFrame in:) are documented there', () => {
    const route = defineRoute({
      method: 'POST',
      path: '/orders',
      in: { token: 'header', session: 'cookie', dryRun: 'query' },
      input: z.object({
        token: z.string(),
        session: z.string().optional(),
        dryRun: z.coerce.boolean().optional(),
        item: z.string(),
      }),
    });
    const op = (
      buildOpenApiDocument([{ method: 'POST', path: '/orders', route }]).document.paths as Doc
    )['/orders'].post;
    assert.deepEqual(
      op.parameters.map((p: Doc) => [p.name, p.in, p.required]),
      [
        ['token', 'header', true],
        ['session', 'cookie', false],
        ['dryRun', 'query', false],
      ],
    );
    assert.deepEqual(Object.keys(op.requestBody.content['application/json'].schema.properties), [
      'item',
    ]);
    assert.deepEqual(op.requestBody.content['application/json'].schema.required, ['item']);
  });

  it('operation ids stay unique, and a route bound to ALL is documented for each method', () => {
    const a = defineRoute({ method: 'ALL', path: '/x', operationId: 'same', input: z.object({}) });
    const b = defineRoute({ method: 'GET', path: '/y', operationId: 'same', input: z.object({}) });
    const { document } = buildOpenApiDocument([
      { method: 'ALL', path: '/x', route: a },
      { method: 'GET', path: '/y', route: b },
    ]);
    const paths = document.paths as Doc;
    assert.deepEqual(Object.keys(paths['/x']), ['get', 'post', 'put', 'patch', 'delete']);
    const ids = [...Object.values(paths['/x']), paths['/y'].get].map((op: Doc) => op.operationId);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('defineRoute metadata', () => {
  it('refuses an operationId that is no identifier, and two response shapes at once', () => {
    assert.throws(
      () =>
        defineRoute({ method: 'GET', path: '/a', operationId: 'has space', input: z.object({}) }),
      /operationId "has space" must be an identifier/,
    );
    assert.throws(
      () =>
        defineRoute({
          method: 'GET',
          path: '/a',
          input: z.object({}),
          output: z.object({}),
          events: { e: z.string() },
        }),
      /declare one of output, items and events \(got output, events\)/,
    );
  });
});

describe('serving the document', () => {
  it('GET /api.json is 3.2.0, ?version=3.1.0 is 3.1.0, another version is a 400 that says why', async () => {
    const { url } = await startServer(defineOpenApiApp);
    const res = await fetch(`${url}/api.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^application\/json/);
    const doc = (await res.json()) as Doc;
    assert.equal(doc.openapi, '3.2.0');
    assert.equal(doc.info.title, 'Sluice example');
    assert.deepEqual(doc, appDocumentWithInfo());
    const v31 = (await (await fetch(`${url}/api.json?version=3.1.0`)).json()) as Doc;
    assert.equal(v31.openapi, '3.1.0');
    const bad = await fetch(`${url}/api.json?version=3.0.0`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as Doc).message, /version must be 3\.2\.0 or 3\.1\.0/);
  });

  it('a route bound after the first request is in the next document', async () => {
    const { s, url } = await startServer(defineOpenApiApp);
    const before = (await (await fetch(`${url}/api.json`)).json()) as Doc;
    assert.equal(before.paths['/late'], undefined);
    s.bind({
      late: handle(defineRoute({ method: 'GET', path: '/late', input: z.object({}) }), () => 'x'),
    });
    const after = (await (await fetch(`${url}/api.json`)).json()) as Doc;
    assert.ok(after.paths['/late'].get);
  });
});

function appDocumentWithInfo(): Doc {
  const s = new Server({ logger: memoryLogger() });
  defineOpenApiApp(s);
  return s.openApi();
}
