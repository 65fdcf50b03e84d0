import { z } from 'zod';
import { maxCounted, maxExamined } from '../../list/sql.js';
import { readOnly } from './fields.js';

type Shape = Record<string, z.ZodType>;

/** Columns the server owns: never accepted in a write body. `version` is echoed back by GETs, so it is accepted and ignored. */
export const systemColumns = { id: true, version: true, created_at: true, updated_at: true } as const;

type Optional<S extends Shape> = { [K in keyof S]: z.ZodOptional<S[K]> };
type NullableOptional<S extends Shape> = {
  [K in keyof S]: null extends z.input<S[K]> ? z.ZodOptional<S[K]> : S[K];
};

/** Column fields of a write body: a nullable column may be left out (it is then null). */
export function columnFields<S extends Shape>(shape: S): NullableOptional<S> {
  const entries = Object.entries(shape).map(([key, schema]) => [key, schema.safeParse(null).success ? schema.optional() : schema]);
  return Object.fromEntries(entries) as NullableOptional<S>;
}

/** Relations a write may leave out (an absent list is an empty list). */
export function writable<S extends Shape>(shape: S): Optional<S> {
  return Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, schema.optional()])) as Optional<S>;
}

/** Fields a GET returns and a write ignores (derived values, reverse relations, the version). */
export function ignored<S extends Shape>(shape: S): Optional<S> & { version: z.ZodOptional<z.ZodNumber> } {
  const entries = Object.entries({ ...shape, version: z.number() }).map(([key, schema]) => [key, readOnly(schema)]);
  return Object.fromEntries(entries) as Optional<S> & { version: z.ZodOptional<z.ZodNumber> };
}

/** `{ data: record }`, the envelope of every single-record response. */
export const dataEnvelope = <T extends z.ZodType>(name: string, record: T) => z.object({ data: record }).meta({ id: `${name}Response` });

export const listMeta = z
  .object({
    limit: z.number().int(),
    next_cursor: z
      .string()
      .nullable()
      .meta({
        description: `the cursor of the next page, null on the last; a page may end before \`limit\` at the byte budget (see \`limit\`), or, when no filter's index narrows the matches to fewer than ${maxExamined.toLocaleString('en')}, after reading that many rows (even with no record)`,
      }),
    total: z.number().int().optional().meta({ description: 'how many records match: exact when `total_relation` is `eq`, a lower bound when it is `gte`' }),
    total_relation: z
      .enum(['eq', 'gte'])
      .optional()
      .meta({
        description: `\`eq\`: \`total\` is exact; \`gte\`: at least that many match: counting stopped at ${maxCounted.toLocaleString('en')}, or after reading ${maxExamined.toLocaleString('en')} candidate rows`,
      }),
  })
  .meta({ id: 'ListMeta' });

export const listLinks = z.object({ self: z.string(), next: z.string().nullable() }).meta({ id: 'ListLinks' });

/** `{ data: [...], meta, links }`, the envelope of every list. */
export const listEnvelope = <T extends z.ZodType>(name: string, record: T) => z.object({ data: z.array(record), meta: listMeta, links: listLinks }).meta({ id: `${name}List` });
