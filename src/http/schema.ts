/**
 * Route schemas are written once, in zod — the validator the rest of Voxmail uses (config,
 * store) — and handed to Fastify as the JSON Schema (draft-07) zod 4 generates. Fastify
 * then validates requests with ajv, serialises responses with fast-json-stringify (which
 * drops any field the schema does not list, so a record with a secret in it cannot leak
 * through a response), and @fastify/swagger reads the same JSON Schema for OpenAPI. Types
 * for the handlers come from `z.output<...>` of the same schemas.
 *
 * Only plain shapes are used (no transforms or refinements), so ajv and zod agree on
 * what is valid; ajv's type coercion turns query-string text into the declared numbers
 * and booleans.
 */
// The plugin's type augmentation: `tags`, `summary`, `hide` in route schemas.
import type { SwaggerTransform } from '@fastify/swagger';
import type {} from '@fastify/swagger';
import { z } from 'zod';

export type JsonSchema = Readonly<Record<string, unknown>>;

/** The JSON Schema of `schema` for a request part (`input`) or a response (`output`). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'throw' }) as Record<string, unknown>;
  // The $schema keyword belongs to documents, not to schemas embedded in a route or OpenAPI.
  const { $schema: _drop, ...rest } = generated;
  return rest;
}

/** Ids of tenants, mailboxes and messages (the store's rule: src/store/validation/fields.ts). */
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).describe('1–64 letters, digits, "-" or "_"');

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable code, listed in docs/errors.md (VM_API_*)'),
      message: z.string().describe('for people; may change between versions'),
    }),
  })
  .describe('Every error answer');

export type ErrorBody = z.output<typeof errorBody>;

const errorJson = jsonSchema(errorBody);

/** The error answers every API route documents. */
export const ERROR_RESPONSES: Readonly<Record<string, JsonSchema>> = Object.freeze({ '4xx': errorJson, '5xx': errorJson });

/** `?tenant=ID`: which tenant a platform admin means; others may give only their own. */
export const tenantQuery = z.object({
  tenant: idSchema.optional().describe('tenant to act in: required of platform admins for single records; others may only name their own'),
});

/**
 * Route config that documents a multipart body in OpenAPI without giving it to ajv: the
 * handler reads the parts itself (multipart leaves `request.body` undefined, so any body
 * schema ajv compiled would refuse the request or, typeless, warn at start-up).
 */
export function documentedBody(body: Readonly<Record<string, unknown>>): { swaggerTransform: SwaggerTransform } {
  return { swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body }, url }) };
}
