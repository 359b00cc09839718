// The error catalogue: every code is documented in README, and every message says something.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ClientClosedError, ERROR_CODES, HttpError, SluiceError } from '../src/index.js';
import { CLIENT_ERROR_CODES } from '../src/client/errors.js';

describe('error catalogue', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

  it('README documents every code', () => {
    const codes = [
      ...Object.keys(ERROR_CODES),
      ...Object.keys(CLIENT_ERROR_CODES),
      new ClientClosedError().code,
    ];
    const missing = codes.filter((code) => !readme.includes(`\`${code}\``));
    assert.deepEqual(missing, []);
  });

  it('README documents no code that does not exist', () => {
    const known = new Set([
      ...Object.keys(ERROR_CODES),
      ...Object.keys(CLIENT_ERROR_CODES),
      'SLUICE_CLIENT_CLOSED',
    ]);
    const documented = [...readme.matchAll(/`(SLUICE_[A-Z0-9_]+)`/g)].map((m) => m[1]!);
    assert.deepEqual(
      documented.filter((c) => !known.has(c)),
      [],
    );
  });

  it('coded errors carry code, status and the catalogue message plus detail', () => {
    const e = new SluiceError('SLUICE_SSE_FIELD', 'id "a\\nb"');
    assert.equal(e.code, 'SLUICE_SSE_FIELD');
    assert.equal(e.status, 500);
    assert.match(e.message, /CR, LF or NUL.*id "a\\nb"/);
    const h = HttpError.fromCode('SLUICE_BODY_TOO_LARGE');
    assert.equal(h.status, 413);
    assert.equal(h.code, 'SLUICE_BODY_TOO_LARGE');
    for (const [code, entry] of Object.entries({ ...ERROR_CODES, ...CLIENT_ERROR_CODES })) {
      assert.ok(entry.message.length > 20, `${code} needs a message that says what to do`);
      assert.ok(entry.status >= 400 && entry.status < 600, code);
    }
  });
});
