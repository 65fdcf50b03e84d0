import { sql } from 'drizzle-orm';
import t from 'tap';
import { engineUnder } from '../../src/core/db/handles.js';
import { jsonDepthExceeds, maxJsonDepth } from '../../src/web/http/json-body.js';
import { metacharacters } from '../contract/arbitraries.js';
import { type Document, dereference, type JsonSchema, operations, servedDocument } from '../contract/document.js';
import { auth, body, build, countRows, readRows, writerToken } from '../helper.js';
import { resourceCases } from '../resources/fixtures.js';

const json = { ...auth, 'content-type': 'application/json' };

/** Every table's count of rows (but the migrations' own), from the engine's catalogue. */
async function counts(app: Awaited<ReturnType<typeof build>>) {
  const tables = await readRows(
    app,
    engineUnder(app.services).name === 'sqlite'
      ? sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like '\\_\\_%' escape '\\' and name not like 'sqlite%'`
      : sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  return Object.fromEntries(await Promise.all(tables.map(async ({ name }) => [name, await countRows(app, sql.identifier(name))])));
}

/** Every schema reachable from the request side of the document (bodies and parameters), refs followed once. */
function requestSchemas(document: Document): Array<{ where: string; schema: JsonSchema }> {
  const found: Array<{ where: string; schema: JsonSchema }> = [];
  const seen = new Set<JsonSchema>();
  const walk = (schema: JsonSchema | undefined, where: string) => {
    if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
    seen.add(schema);
    if (typeof schema.$ref === 'string') return walk(document.components.schemas[schema.$ref.replace('#/components/schemas/', '')], `${where}→${schema.$ref.split('/').pop()}`);
    found.push({ where, schema });
    for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) walk(property, `${where}.${key}`);
    for (const option of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) walk(option, where);
    walk(schema.items, `${where}[]`);
  };
  for (const operation of operations(document)) {
    for (const [type, schema] of Object.entries(operation.body)) walk(schema, `${operation.id} body ${type}`);
    for (const parameter of operation.parameters) walk(parameter.schema, `${operation.id} ${parameter.in} ${parameter.name}`);
  }
  return found;
}

t.test('every request string and array is bounded, so no field takes an unbounded value', async (t) => {
  const app = await build(t);
  const schemas = requestSchemas(await servedDocument(app));
  const strings = schemas.filter(({ schema }) => schema.type === 'string' && !schema.enum && !('const' in schema));
  const arrays = schemas.filter(({ schema }) => schema.type === 'array');
  t.ok(strings.length > 20 && arrays.length > 5, `${strings.length} strings, ${arrays.length} arrays`);
  for (const { where, schema } of strings) t.ok(Number.isInteger(schema.maxLength), `${where}: maxLength ${schema.maxLength}`);
  for (const { where, schema } of arrays) t.ok(Number.isInteger(schema.maxItems), `${where}: maxItems ${schema.maxItems}`);
});

t.test('bodies over BODY_LIMIT, nested too deep or not UTF-8 are refused and store nothing', async (t) => {
  const app = await build(t);
  const before = await counts(app);
  const org = { slug: 'حد', name: 'حد', kind: 'other' };

  const large = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: JSON.stringify({ ...org, name: 'x'.repeat(1024 * 1024) }) });
  t.equal(large.statusCode, 413, 'over the 1 MiB default');
  t.equal(body(large).code, 'payload_too_large');
  t.match(large.headers['content-type'], /^application\/problem\+json/);

  const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
  const nested = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: deep });
  t.equal(nested.statusCode, 400, 'a 100,000-level body is a 400, not a stack overflow');
  t.match(body(nested), { code: 'malformed_body', detail: /deeper than 32/ });
  const arrays = await app.inject({ method: 'PATCH', url: '/v1/organisations/x', headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: '['.repeat(50) + ']'.repeat(50) });
  t.equal(body(arrays).code, 'malformed_body', 'merge patch bodies too');

  t.notOk(jsonDepthExceeds('['.repeat(maxJsonDepth) + ']'.repeat(maxJsonDepth), maxJsonDepth), 'the limit itself is allowed');
  t.ok(jsonDepthExceeds('['.repeat(maxJsonDepth + 1) + ']'.repeat(maxJsonDepth + 1), maxJsonDepth));
  t.notOk(jsonDepthExceeds(JSON.stringify({ text: '[[[[{{{{\\"'.repeat(40) }), 2), 'brackets inside strings do not count');

  const invalidUtf8 = Buffer.concat([Buffer.from('{"slug":"bad","name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","kind":"other"}')]);
  const bad = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: invalidUtf8 });
  t.equal(bad.statusCode, 400);
  t.match(body(bad), { code: 'malformed_body', detail: /UTF-8/ });
  const overlong = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]) });
  t.equal(body(overlong).code, 'malformed_body', 'an overlong encoding is not UTF-8 either');

  const longParam = await app.inject({ url: `/v1/people/${'x'.repeat(5000)}` });
  t.equal(longParam.statusCode, 400, 'an overlong path parameter is a 400 problem, not a bare 414');
  t.match(longParam.headers['content-type'], /^application\/problem\+json/);
  const badEscape = await app.inject({ url: '/v1/people/%E0%A4%A' });
  t.equal(badEscape.statusCode, 400, 'a broken percent-escape is a 400 problem');
  t.equal(body(badEscape).code, 'validation_failed');
  t.same(await counts(app), before, 'nothing stored');
});

t.test('a string UTF-8 or PostgreSQL cannot store as sent (a lone surrogate, NUL) is a 400 naming it, and stores nothing', async (t) => {
  const app = await build(t);
  const before = await counts(app);
  // The escapes as JSON carries them (JSON.stringify writes a lone surrogate so too).
  const create = (name: string) => app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: `{"slug":"حد","name":"${name}","kind":"other"}` });
  const cases = [
    { name: '\\ud800x', what: 'a high surrogate alone' },
    { name: 'x\\udfff', what: 'a low surrogate alone' },
    { name: '\\ude00\\ud83d', what: 'a pair in the wrong order' },
    { name: 'x\\u0000y', what: 'a NUL' },
  ];
  for (const { name, what } of cases) {
    const refused = await create(name);
    t.equal(refused.statusCode, 400, what);
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.match(body(refused), { code: 'validation_failed', errors: [{ path: 'body.name' }] }, `${what}: the field is named`);
  }
  const article = {
    slug: 'نص',
    title: 'نص',
    language: 'ar',
    status: 'draft',
    body: [
      { type: 'paragraph', text: 'a' },
      { type: 'paragraph', text: 'b\ud800' },
    ],
  };
  const nested = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: JSON.stringify(article) });
  t.match(body(nested), { code: 'validation_failed', errors: [{ path: 'body.body.1.text' }] }, 'a nested value is named by its path');
  const key = await app.inject({ method: 'PATCH', url: '/v1/organisations/x', headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: '{"\\udc00":1}' });
  t.match(body(key), { code: 'validation_failed', detail: /a key holds a lone surrogate/ }, 'a key too, in a merge patch');
  t.same(await counts(app), before, 'nothing stored');

  const paired = await create('\\ud83d\\ude00 x');
  t.equal(paired.statusCode, 201, 'a surrogate pair is a character like any other');
  const stored = await app.inject({ url: '/v1/organisations/حد' });
  t.equal(body(stored).data.name, '😀 x', 'and reads back as sent');

  const utf16 = await app.inject({ method: 'POST', url: '/v1/organisations', headers: { ...json, 'content-type': 'application/json; charset=utf-16' }, payload: '{}' });
  t.equal(utf16.statusCode, 415, 'a charset other than UTF-8 is refused, not read as UTF-8');
  t.match(body(utf16), { code: 'unsupported_media_type', detail: /utf-16/ });
});

t.test('__proto__, constructor and prototype keys change no prototype, in POST, PUT and merge patch', async (t) => {
  const app = await build(t);
  const before = await counts(app);
  const cases = await resourceCases(app);
  const payloads = ['{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"prototype":{"polluted":true}}', '{"name":"x","__proto__":{"isAdmin":true}}'];
  for (const { path, create } of cases) {
    const record = body(await app.inject({ url: `/v1/${path}?limit=1` })).data[0];
    const bodyWith = (payload: string) => payload.replace(/^\{/, `{"slug":${JSON.stringify(create.slug)},`);
    for (const payload of payloads) {
      const requests = [
        { method: 'POST' as const, url: `/v1/${path}`, headers: json, payload: bodyWith(payload) },
        { method: 'PUT' as const, url: `/v1/${path}/${record.id}`, headers: json, payload: bodyWith(payload) },
        { method: 'PATCH' as const, url: `/v1/${path}/${record.id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload },
        { method: 'PATCH' as const, url: `/v1/${path}/${record.id}`, headers: json, payload: `{"aliases":[],"body":[${payload}],"participants":[${payload}]}` },
      ];
      for (const request of requests) {
        const response = await app.inject(request);
        t.equal(response.statusCode, 400, `${request.method} /v1/${path} ${payload} ${request.headers['content-type']}: 400`);
      }
    }
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.equal(({} as Record<string, unknown>).isAdmin, undefined);
  t.same(await counts(app), before, 'nothing stored');
});

t.test('SQL, LIKE and FTS metacharacters in every parameter and field are data', async (t) => {
  // The token is an admin's, so that every operation (the webhooks' too) reaches its parameters' parsing.
  const app = await build(t, { apiTokens: [{ name: 'test-admin', secret: writerToken, role: 'admin' }] });
  const before = await counts(app);
  const document = await servedDocument(app);
  const ops = operations(document);
  for (const operation of ops) {
    // A path parameter not under test names no record, in a value of its type (a revision number is decimal digits, a resource one of its names).
    const pathSchema = (name: string) => operation.parameters.find((p) => p.in === 'path' && p.name === name)?.schema;
    const isNumber = (name: string) => pathSchema(name)?.type === 'integer';
    /** A number, or digits as its pattern asks (a revision number): a schema that takes 1 and refuses a word. */
    const takesDigits = (schema: any) => {
      const pattern = schema && dereference(document, schema).pattern;
      return schema?.type === 'integer' || (pattern !== undefined && new RegExp(pattern, 'u').test('1') && !new RegExp(pattern, 'u').test('no-such-record'));
    };
    const untested = (name: string) => (takesDigits(pathSchema(name)) ? '1' : (pathSchema(name)?.enum?.[0] ?? 'no-such-record'));
    for (const parameter of operation.parameters) {
      for (const value of metacharacters) {
        const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(name === parameter.name ? value : untested(name)));
        // A required revision number in the query (diff's `to`) is given, so that the parameter under test decides the status.
        const numbers = operation.parameters.filter((p) => p.in === 'query' && p.required && takesDigits(p.schema) && p.name !== parameter.name).map((p) => `${p.name}=1`);
        const tested = parameter.in === 'query' ? [`${parameter.name}=${encodeURIComponent(value)}`] : [];
        const query = numbers.length + tested.length > 0 ? `?${[...tested, ...numbers].join('&')}` : '';
        const response = await app.inject({ method: operation.method as 'GET', url: `${path}${query}`, headers: json, payload: operation.method === 'GET' ? undefined : '{}' });
        t.ok(response.statusCode < 500, `${operation.method} ${operation.path} ${parameter.name}=${value}: ${response.statusCode}`);
        if (operation.method === 'GET' && parameter.in === 'path') {
          // A value its schema's pattern refuses (a webhook's id) is a 400, as a number's is.
          const schema = pathSchema(parameter.name);
          const pattern = schema && dereference(document, schema).pattern;
          const malformed = isNumber(parameter.name) || (pattern !== undefined && !new RegExp(pattern, 'u').test(value));
          t.equal(response.statusCode, malformed ? 400 : 404, 'no record matches: not a wildcard, not an injection (nor a malformed value)');
        }
      }
    }
  }
  t.same(await counts(app), before, 'no parameter changed any table');

  for (const { path, create } of await resourceCases(app)) {
    const textField = 'title' in create ? 'title' : 'name';
    for (const [i, value] of metacharacters.entries()) {
      const stored = { ...create, slug: `${create.slug}-${i}`, [textField]: value };
      const response = await app.inject({ method: 'POST', url: `/v1/${path}`, headers: json, payload: stored });
      t.equal(response.statusCode, 201, `${path}.${textField} = ${value}`);
      const read = body(await app.inject({ url: `/v1/${path}/${body(response).data.id}` })).data;
      t.equal(read[textField], value.trim(), 'read back exactly');
    }
  }
});
