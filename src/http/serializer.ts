import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

/** The JSON Schema a zod response schema describes, as fast-json-stringify reads it. */
export function responseJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/**
 * Responses are written by fast-json-stringify, compiled once per route from the JSON Schema that the
 * route's zod schema produces: zod describes the shape, but running it per response costs most of the throughput.
 */
export const serializerCompiler: FastifySerializerCompiler<z.ZodType | { properties: z.ZodType }> = ({ schema }) => {
  const zodSchema = schema instanceof z.ZodType ? schema : schema.properties;
  return fastJson(responseJsonSchema(zodSchema));
};
