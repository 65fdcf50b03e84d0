import fc from 'fast-check';
import { type Document, dereference, type JsonSchema } from './document.js';

/** Values the fuzzer has seen the API return (ids, slugs), so generated references and lookups can hit real rows. */
export interface Pool {
  keys: string[];
  /** The keys by the collection that returned them (`/v1/people`), for path parameters. */
  byCollection: Map<string, string[]>;
}

/** The collection an operation's path belongs to: `/v1/people/{id}` → `/v1/people`. */
export const collectionOf = (path: string) => path.replace(/\/\{.*$/, '');

/** Strings that have broken text handling elsewhere: bidi controls, joiners, lone surrogates, NUL, combining marks. */
const unicodeEdgeCases = [
  '\u200f\u202eمرحبا\u202c',
  'ع\u200dل\u200cي',
  '👨\u200d👩\u200d👧',
  '\ud800',
  'a\udc00b',
  'nul\u0000byte',
  '\ufeffbom',
  'عَلِيّ العَدْوانِيّ',
  'ـــ',
  'e\u0301\u0301\u0301',
  '\u2028\u2029',
  '   ',
  '',
];

/** SQL, LIKE, JSON-path and FTS5 syntax that must be treated as plain data wherever it is sent. */
export const metacharacters = [
  "' OR '1'='1",
  '"; DROP TABLE articles; --',
  "Robert'); DELETE FROM people; --",
  '%',
  '_%_',
  '\\',
  '*',
  'NEAR(a b)',
  'title:حرب',
  '"unterminated',
  'a AND OR NOT b',
  '^start',
  '$.data[0]',
  '?limit=1',
  '../../etc/passwd',
  '%00',
];

const oddString = fc.oneof(fc.constantFrom(...unicodeEdgeCases, ...metacharacters), fc.string({ unit: 'binary', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }));

/** Any JSON value, for putting where it does not belong. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  oddString,
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

const isoDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

function patternString(schema: JsonSchema, pool: Pool): fc.Arbitrary<string> {
  const pattern = new RegExp(schema.pattern, 'u');
  const known = fc.nat().map((n) => {
    const matching = pool.keys.filter((key) => pattern.test(key));
    return matching[n % Math.max(1, matching.length)] ?? schema.example ?? '';
  });
  // fast-check cannot generate from a lookahead (the slug's `(?!-)`): generate without it, keep what the whole pattern accepts.
  const withoutLookaheads = new RegExp(schema.pattern.replace(/\(\?[=!][^()]*\)/g, ''), 'u');
  const generated = fc.stringMatching(withoutLookaheads).filter((value) => pattern.test(value) && value.length >= (schema.minLength ?? 0) && value.length <= (schema.maxLength ?? Infinity));
  return fc.oneof(known, generated);
}

function stringFor(schema: JsonSchema, pool: Pool): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return isoDate.map((date) => date.toISOString());
  if (schema.format === 'date') return isoDate.map((date) => date.toISOString().slice(0, 10));
  if (schema.pattern) return patternString(schema, pool);
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 40, minLength + 40);
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom(...unicodeEdgeCases, ...metacharacters) },
    { weight: 1, arbitrary: fc.constant('ب'.repeat(schema.maxLength ?? 1000)) },
  );
}

/** Values that mostly satisfy `schema` (some fail only its finer rules, such as trimming or id lookups). */
export function valueFor(document: Document, input: JsonSchema, pool: Pool, depth = 0): fc.Arbitrary<unknown> {
  const schema = dereference(document, input);
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => valueFor(document, alternative, pool, depth)));
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => valueFor(document, { ...schema, type }, pool, depth)));
  switch (schema.type) {
    case 'string':
      return stringFor(schema, pool);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -1e9), max: Math.min(schema.maximum ?? 1000, 1e9) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valueFor(document, schema.items ?? {}, pool, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 2, depth > 1 ? 1 : 2),
      });
    case 'object':
      return objectFor(document, schema, pool, depth);
    default:
      return anyJson;
  }
}

function objectFor(document: Document, schema: JsonSchema, pool: Pool, depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).filter(([, property]) => !property.readOnly);
  const required = new Set((schema.required ?? []) as string[]);
  return fc.record(Object.fromEntries(properties.map(([key, property]) => [key, valueFor(document, property, pool, depth + 1)])), {
    requiredKeys: properties.map(([key]) => key).filter((key) => required.has(key)),
  });
}

type Mutation = (value: Record<string, unknown>, schema: JsonSchema) => fc.Arbitrary<unknown>;

const pickKey = (value: Record<string, unknown>) => fc.constantFrom(...(Object.keys(value).length ? Object.keys(value) : ['x']));

/** Ways to make a valid body invalid: one wrong thing at a time, as clients get things wrong. */
const mutations: Mutation[] = [
  // a property of the wrong type
  (value) => fc.tuple(pickKey(value), anyJson).map(([key, wrong]) => ({ ...value, [key]: wrong })),
  // a required property left out
  (value, schema) => fc.constantFrom(...((schema.required as string[] | undefined) ?? ['x'])).map((key) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))),
  // a property the resource does not have, prototype keys included
  (value) =>
    fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'created_at', 'unknown'), fc.string({ maxLength: 8 })), anyJson).map(
      // A replacer function, not a replacement string: a generated key may hold `$'` or `$&`, which a string expands.
      ([key, extra]) =>
        JSON.parse(
          JSON.stringify(value)
            .replace(/^\{/, () => `{${JSON.stringify(key)}:${JSON.stringify(extra) ?? 'null'},`)
            .replace(/,\}$/, '}'),
        ) as unknown,
    ),
  // a string past its limit
  (value) => fc.tuple(pickKey(value), fc.integer({ min: 1, max: 70_000 })).map(([key, length]) => ({ ...value, [key]: 'x'.repeat(length) })),
  // unicode edge cases and metacharacters in a field
  (value) => fc.tuple(pickKey(value), fc.constantFrom(...unicodeEdgeCases, ...metacharacters)).map(([key, text]) => ({ ...value, [key]: text })),
  // not an object at all
  () => anyJson,
];

/** A body for `schema`: valid most of the time, otherwise with one mutation. */
export function bodyFor(document: Document, input: JsonSchema, pool: Pool): fc.Arbitrary<unknown> {
  const schema = dereference(document, input);
  const valid = valueFor(document, schema, pool);
  const invalid = valid.chain((value) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? fc.oneof(...mutations.map((mutate) => mutate(value as Record<string, unknown>, schema))) : anyJson,
  );
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 2, arbitrary: invalid });
}

/** Bytes that are not a JSON document, or are one only barely. */
export const notJson: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom('', ' ', '{', '{"a":', '[1,2', 'null', 'true', '"text"', '{"a":1}{"b":2}', "{'single':'quotes'}", '{"a":NaN}', '\ufeff{}'),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constant(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])), // {"a":"\xc3("}: invalid UTF-8
  fc.constant(Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])), // UTF-16 with a BOM
  fc.integer({ min: 1, max: 5_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);

export const contentTypes = fc.oneof(
  { weight: 10, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/merge-patch+json',
      'application/json; charset=utf-8',
      'application/json; charset=latin1',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/problem+json',
      ';;;',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** One of the ids and slugs the API has returned, from `collection` when given. */
export const knownKey = (pool: Pool, collection?: string) =>
  fc.nat().map((n) => {
    const keys = (collection && pool.byCollection.get(collection)) || pool.keys;
    return keys[n % Math.max(1, keys.length)] ?? '';
  });

/** A query or path value: from the schema, or any odd string. */
export function parameterValue(document: Document, schema: JsonSchema, pool: Pool): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: valueFor(document, schema, pool).map((value) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''))) },
    { weight: 1, arbitrary: oddString },
    { weight: 1, arbitrary: fc.integer({ min: -1, max: 1_000 }).map(String) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5_000 }).map((length) => 'x'.repeat(length)) },
    { weight: 1, arbitrary: knownKey(pool) },
  );
}

/** Query-string fragments no client should send: stray separators, bracket syntax, bad percent-escapes. */
export const oddQuery = fc.constantFrom('&&', '=', '&=&', 'a[b]=c', 'a[]=1&a[]=2', '%zz', '%', 'a=%E0%A4%A', ';', '?', `x=${'y'.repeat(5000)}`, '__proto__[x]=1', 'constructor[prototype][x]=1');

/** Percent-encodes like encodeURIComponent, but sends a lone surrogate as its (invalid) three UTF-8-style bytes instead of throwing. */
export function encodeComponent(value: string): string {
  let encoded = '';
  for (const char of value) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      encoded += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else encoded += encodeURIComponent(char);
  }
  return encoded;
}
