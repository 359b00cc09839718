/**
 * A schema's JSON Schema through the Standard JSON Schema interface
 * (`schema['~standard'].jsonSchema.input/output({ target: 'draft-2020-12' })`), which zod >= 4.2
 * implements and valibot does through `toStandardJsonSchema`. Never a walker of one library's
 * internals: a schema without the interface is documented as "any value" with a note saying so.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';

/** A JSON Schema object (draft 2020-12, the dialect of OpenAPI 3.1 and 3.2). */
export type JsonSchema = Record<string, unknown>;

interface StandardJsonSchemaProps {
  readonly jsonSchema?: {
    readonly input?: (options: { target: string; libraryOptions?: unknown }) => unknown;
    readonly output?: (options: { target: string; libraryOptions?: unknown }) => unknown;
  };
}

/** What converting one schema gave: the JSON Schema, and a warning when it had to guess. */
export interface Converted {
  schema: JsonSchema;
  warning?: string;
}

/**
 * The JSON Schema of `schema`'s input (what a request must hold) or output (what a response
 * holds after the schema's transforms). A part the library cannot express (a date, a transform)
 * becomes `{}` when the library allows that (zod's `unrepresentable: 'any'`), with a warning.
 * @example jsonSchemaOf(z.object({ id: z.number() }), 'output').schema
 * // { type: 'object', properties: { id: { type: 'number' } }, required: ['id'], additionalProperties: false }
 */
export function jsonSchemaOf(
  schema: StandardSchemaV1 | undefined,
  io: 'input' | 'output',
): Converted {
  if (schema === undefined) return { schema: {} };
  const std = schema['~standard'] as StandardSchemaV1.Props & StandardJsonSchemaProps;
  const convert = std.jsonSchema?.[io];
  if (typeof convert !== 'function') {
    return {
      schema: {
        description: `a ${std.vendor} schema without the Standard JSON Schema interface: any value`,
      },
      warning: `a ${std.vendor} schema has no ~standard.jsonSchema (zod >= 4.2 has it; wrap valibot schemas in toStandardJsonSchema from @valibot/to-json-schema); documented as any value`,
    };
  }
  const target = 'draft-2020-12';
  try {
    return { schema: clean(convert.call(std.jsonSchema, { target })) };
  } catch (first) {
    try {
      const loose = clean(
        convert.call(std.jsonSchema, { target, libraryOptions: { unrepresentable: 'any' } }),
      );
      return { schema: loose, warning: `${message(first)}; that part is documented as any value` };
    } catch {
      return {
        schema: { description: `not representable in JSON Schema: ${message(first)}` },
        warning: `${message(first)}; documented as any value`,
      };
    }
  }
}

/** A copy without `$schema` (the document's dialect applies) and with a plain-object shape. */
function clean(value: unknown): JsonSchema {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {};
  const copy = structuredClone(value) as JsonSchema;
  delete copy.$schema;
  return copy;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
