import fastJson from 'fast-json-stringify';
import type { FastifyReply } from 'fastify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';
import { jsonMediaType } from './media-types.js';

type JsonSchema = Record<string, unknown>;

const primitives = new Set(['string', 'number', 'integer', 'boolean']);

/**
 * `anyOf: [{ type: 'string', … }, { type: 'null' }]` (how zod writes `.nullable()`) becomes
 * `{ type: ['string', 'null'], … }`: the same values, but fast-json-stringify writes a type array inline
 * where it tries each branch of an anyOf in turn, which is slower on every nullable field of every record.
 * A branch that refers to a named primitive schema (`DateTime`) is read through `definitions`.
 */
export function nullableAsTypeArrays(node: unknown, definitions: Record<string, JsonSchema> = {}): unknown {
  if (Array.isArray(node)) return node.map((item) => nullableAsTypeArrays(item, definitions));
  if (node === null || typeof node !== 'object') return node;
  const schema = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, nullableAsTypeArrays(value, definitions)])) as JsonSchema;
  const branches = schema.anyOf as JsonSchema[] | undefined;
  if (branches?.length !== 2) return schema;
  const named = (branch: JsonSchema) => (typeof branch.$ref === 'string' ? definitions[branch.$ref.replace('#/definitions/', '')] : undefined) ?? branch;
  const value = branches.map(named).find((branch) => branch.type !== 'null');
  if (!value || !branches.some((branch) => branch.type === 'null') || !primitives.has(value.type as string)) return schema;
  const { anyOf, ...rest } = schema;
  return { ...rest, ...value, type: [value.type, 'null'] };
}

/** The JSON Schema a zod response schema describes, as fast-json-stringify reads it. */
export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return nullableAsTypeArrays(json, (json.definitions ?? {}) as Record<string, JsonSchema>) as JsonSchema;
}

/**
 * One serializer per schema, shared by every route and status that answers with it (the problem document
 * is the same for every error of every route).
 */
const compiled = new WeakMap<z.ZodType, (data: unknown) => string>();

/**
 * Answers this reply with `schema`'s serializer, as JSON: a serializer set on the reply replaces Fastify's default,
 * which is what sets `Content-Type`, so it is set here.
 */
export function serializeAs(reply: FastifyReply, schema: z.ZodType) {
  reply.type(`${jsonMediaType}; charset=utf-8`).serializer(serializerFor(schema));
}

function serializerFor(schema: z.ZodType): (data: unknown) => string {
  let serialize = compiled.get(schema);
  if (!serialize) {
    serialize = fastJson(responseJsonSchema(schema));
    compiled.set(schema, serialize);
  }
  return serialize;
}

/**
 * Responses are written by fast-json-stringify, compiled from the JSON Schema that the route's zod schema
 * produces: zod describes the shape, but running it per response costs most of the throughput. Each
 * serializer is compiled by the first response that needs it, because compiling all of them when the
 * routes are registered delays the server's cold start (docs/performance.md).
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType | { properties: z.ZodType }> = ({ schema }) => {
  const zodSchema = schema instanceof z.ZodType ? schema : schema.properties;
  let serialize: ((data: unknown) => string) | undefined;
  return (data) => {
    serialize ??= serializerFor(zodSchema);
    return serialize(data);
  };
};
