/**
 * Runs a Standard Schema over a value and turns its issues into the 400 that names every
 * failing field (at most {@link MAX_VALIDATION_ERRORS}).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { HttpError } from '../errors/index.js';

/** The most field errors a 400 lists; the message says how many there were in all. */
export const MAX_VALIDATION_ERRORS = 100;

/** One failing field of a 400 `SLUICE_VALIDATION` answer: `path` is dotted (`items.2.name`). */
export interface ValidationFieldError {
  path: string;
  message: string;
}

/** The result of validation: the schema's output, or the error to throw. */
export type ValidationResult = { ok: true; value: unknown } | { ok: false; error: HttpError };

/**
 * Validates `value`; returns a promise only when the schema validates asynchronously.
 */
export function validateInput(
  schema: StandardSchemaV1,
  value: unknown,
): ValidationResult | Promise<ValidationResult> {
  const out = schema['~standard'].validate(value);
  if (out instanceof Promise) return out.then(toResult);
  return toResult(out);
}

function toResult(out: StandardSchemaV1.Result<unknown>): ValidationResult {
  if (!out.issues) return { ok: true, value: out.value };
  return { ok: false, error: validationError(out.issues) };
}

/** The 400 naming every failing field (at most 100). */
export function validationError(issues: ReadonlyArray<StandardSchemaV1.Issue>): HttpError {
  const errors: ValidationFieldError[] = [];
  for (const issue of issues) {
    if (errors.length === MAX_VALIDATION_ERRORS) break;
    errors.push({ path: issuePath(issue), message: issue.message });
  }
  const fields = [...new Set(errors.map((e) => e.path || '(input)'))];
  const more = issues.length > errors.length ? ` (first ${errors.length} of ${issues.length})` : '';
  const detail = `${fields.slice(0, 10).join(', ')}${fields.length > 10 ? ', ...' : ''}${more}`;
  return HttpError.fromCode('SLUICE_VALIDATION', detail, errors);
}

function issuePath(issue: StandardSchemaV1.Issue): string {
  if (!issue.path) return '';
  return issue.path.map((seg) => String(typeof seg === 'object' ? seg.key : seg)).join('.');
}
