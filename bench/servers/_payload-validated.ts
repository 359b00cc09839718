// The validated POST /json scenario, shared by bench/servers/*-validated.ts: one zod schema for
// the 1 KB body (bench/payload-1k.json), its JSON Schema twin for Fastify, and the answer.
import { z } from 'zod';

export const orderSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1).max(100),
  email: z.email(),
  active: z.boolean(),
  tags: z.array(z.string().max(32)).max(16),
  address: z.object({
    street: z.string(),
    city: z.string(),
    zip: z.string(),
    country: z.string().length(2),
  }),
  items: z
    .array(z.object({ sku: z.string(), qty: z.number().int().min(1), price: z.number().min(0) }))
    .max(50),
  note: z.string().max(2000),
});

export type Order = z.infer<typeof orderSchema>;

/** Fastify's JSON Schema for the same body (validated by Ajv). */
export const orderJsonSchema = {
  type: 'object',
  required: ['id', 'name', 'email', 'active', 'tags', 'address', 'items', 'note'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    name: { type: 'string', minLength: 1, maxLength: 100 },
    email: { type: 'string', pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' },
    active: { type: 'boolean' },
    tags: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 32 } },
    address: {
      type: 'object',
      required: ['street', 'city', 'zip', 'country'],
      properties: {
        street: { type: 'string' },
        city: { type: 'string' },
        zip: { type: 'string' },
        country: { type: 'string', minLength: 2, maxLength: 2 },
      },
    },
    items: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['sku', 'qty', 'price'],
        properties: {
          sku: { type: 'string' },
          qty: { type: 'integer', minimum: 1 },
          price: { type: 'number', minimum: 0 },
        },
      },
    },
    note: { type: 'string', maxLength: 2000 },
  },
} as const;

/** Every server answers the same small JSON. */
export function answer(order: Order): { ok: true; id: number; items: number } {
  return { ok: true, id: order.id, items: order.items.length };
}

/** The answer's schema (output validation rows: issue 15). */
export const answerSchema = z.object({
  ok: z.literal(true),
  id: z.number().int(),
  items: z.number().int(),
});

/** Fastify's response schema for the same answer (serialized by fast-json-stringify). */
export const answerJsonSchema = {
  type: 'object',
  required: ['ok', 'id', 'items'],
  properties: {
    ok: { type: 'boolean', const: true },
    id: { type: 'integer' },
    items: { type: 'integer' },
  },
} as const;

/** GET /out answers this (a fixed order summary), through the output schema where there is one. */
export const FIXED = { ok: true as const, id: 42, items: 8 };
