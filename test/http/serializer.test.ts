import t from 'tap';
import { z } from 'zod';
import { article } from '../../src/core/resources/articles/schemas.js';
import { dataEnvelope } from '../../src/core/resources/shared/schemas.js';
import { nullableAsTypeArrays, responseJsonSchema, serializerCompiler } from '../../src/web/http/serializer.js';

t.test('nullable primitives become type arrays; other unions stay as they are', async (t) => {
  t.same(nullableAsTypeArrays({ anyOf: [{ type: 'string', maxLength: 5 }, { type: 'null' }], description: 'd' }), {
    description: 'd',
    type: ['string', 'null'],
    maxLength: 5,
  });
  t.same(nullableAsTypeArrays({ anyOf: [{ type: 'null' }, { type: 'integer' }] }), { type: ['integer', 'null'] }, 'either order');
  const kept = [
    { anyOf: [{ type: 'object', properties: {} }, { type: 'null' }] },
    { anyOf: [{ type: 'string' }, { type: 'number' }] },
    { anyOf: [{ type: 'string' }, { type: 'null' }, { type: 'number' }] },
    { anyOf: [{ $ref: '#/definitions/X' }, { type: 'null' }] },
  ];
  for (const schema of kept) t.same(nullableAsTypeArrays(schema), schema);
  t.same(
    nullableAsTypeArrays({ anyOf: [{ $ref: '#/definitions/D' }, { type: 'null' }] }, { D: { type: 'string', format: 'date-time' } }),
    { type: ['string', 'null'], format: 'date-time' },
    'a named primitive schema is read through its definition',
  );
  t.same(nullableAsTypeArrays({ items: [{ anyOf: [{ type: 'boolean' }, { type: 'null' }] }] }), { items: [{ type: ['boolean', 'null'] }] }, 'nested');
  t.notMatch(JSON.stringify(responseJsonSchema(article)), /"type":"null"/, 'no anyOf-null left in the Article schema');
});

t.test('the compiled serializer writes what JSON.stringify writes, nulls and values alike', async (t) => {
  const serialize = serializerCompiler({ schema: dataEnvelope('Article', article), method: 'GET', url: '/', httpStatus: '200' }) as (value: unknown) => string;
  const record = {
    id: '019ac9d0-5c1e-7c4a-9f3b-2d1e8a7b6c5d',
    slug: 'مقال',
    version: 2,
    created_at: '2026-11-25T09:00:00.000Z',
    updated_at: '2026-11-25T09:00:00.000Z',
    title: 'عنوان "مقتبس"',
    language: 'ar',
    summary: null,
    body: [{ type: 'paragraph', text: 'نص\nبسطرين' }],
    body_text: 'نص\nبسطرين',
    source: 'بيان',
    published_at: null,
    status: 'published',
    person_ids: [],
    organisation_ids: [],
    meeting_ids: [],
  };
  t.equal(serialize({ data: record }), JSON.stringify({ data: record }));
  const withValues = { ...record, summary: 'ملخص', published_at: '2026-11-25T09:00:00Z', source: null };
  t.equal(serialize({ data: withValues }), JSON.stringify({ data: withValues }));
  t.equal((serializerCompiler({ schema: { properties: z.object({ n: z.number().nullable() }) }, method: 'GET', url: '/', httpStatus: '200' }) as (v: unknown) => string)({ n: null }), '{"n":null}');
});
