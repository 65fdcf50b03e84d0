import fc from 'fast-check';
import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { problemMediaType } from '../../src/web/http/problem.js';
import { auth, build, sqliteOnly, writerToken } from '../helper.js';
import { bodyFor, collectionOf, contentTypes, encodeComponent, knownKey, notJson, oddQuery, type Pool, parameterValue, valueFor } from './arbitraries.js';
import { isEventStream, type Operation, operations, servedDocument, validator } from './document.js';

// FUZZ_RUNS=50000 for a long run; the default keeps CI under two minutes on two cores.
const runs = Number(process.env.FUZZ_RUNS ?? 5_000);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

interface FuzzRequest {
  /** The operation's id: fast-check prints it in a counterexample instead of the whole operation. */
  operation: string;
  path: Record<string, string>;
  query: Array<[string, string]>;
  rawQuery: string | null;
  body: unknown;
  notJson: string | Buffer | null;
  contentType: string | undefined;
  authorization: 'valid' | 'none' | 'wrong';
}

t.setTimeout(Math.max(120_000, runs * 100));

t.test(`fuzzing every operation of the served contract (${runs} requests)`, async (t) => {
  // A small body limit, so that oversized bodies reach the 413 path without megabytes of generated data.
  const app = await build(t, { bodyLimit: 64 * 1024 });
  const document = await servedDocument(app);
  const validate = validator(document);
  const problemSchema = { $ref: '#/components/schemas/Problem' };
  // The change stream never ends a response to inject; test/changes/ tests its input.
  const ops = operations(document).filter((operation) => !isEventStream(operation));
  t.ok(ops.length > 0, `${ops.length} operations`);

  const pool: Pool = { keys: [], byCollection: new Map() };
  const keep = (keys: string[], key: string) => {
    if (!keys.includes(key)) keys.push(key);
    if (keys.length > 200) keys.shift();
  };
  const remember = (path: string, record: unknown) => {
    const { id, slug } = (record ?? {}) as { id?: unknown; slug?: unknown };
    const collection = collectionOf(path);
    if (!pool.byCollection.has(collection)) pool.byCollection.set(collection, []);
    for (const key of [id, slug]) {
      if (typeof key !== 'string') continue;
      keep(pool.keys, key);
      keep(pool.byCollection.get(collection)!, key);
    }
  };
  for (const operation of ops.filter((op) => op.method === 'GET' && op.parameters.every((p) => p.in !== 'path'))) {
    const listed = await app.inject({ url: `${operation.path}?limit=100` });
    const data = (JSON.parse(listed.body) as { data?: unknown }).data;
    if (Array.isArray(data)) for (const record of data) remember(operation.path, record);
  }
  t.ok(pool.keys.length > 0, 'ids and slugs of the seeded records to start from');

  /** A query parameter's value as name=value pairs; an object (deepObject style: `filter`) as `name[key]=…`. */
  const queryPairs = (name: string, value: unknown): Array<[string, string]> =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value).flatMap(([key, inner]) => queryPairs(`${name}[${key}]`, inner)) : [[name, String(value)]];

  /** A request a correct client could send: declared parameters, known ids, a body from the schema, a valid token. */
  const wellFormed = (operation: Operation): fc.Arbitrary<FuzzRequest> => {
    const bodySchema = Object.values(operation.body)[0];
    return fc.record({
      operation: fc.constant(operation.id),
      // A path parameter with a few values (the `resource` of `/v1/{resource}/…`) takes one of them.
      path: fc.record(
        Object.fromEntries(
          operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.schema.enum ? fc.constantFrom<string>(...p.schema.enum) : knownKey(pool, collectionOf(operation.path))]),
        ),
      ),
      query: fc
        .tuple(
          ...operation.parameters
            .filter((p) => p.in === 'query')
            .map((p) =>
              fc.option(
                valueFor(document, p.schema, pool).map((v) => queryPairs(p.name, v)),
                { freq: 2 },
              ),
            ),
        )
        .map((parts) => parts.flatMap((part) => part ?? [])),
      rawQuery: fc.constant(null),
      body: bodySchema ? valueFor(document, bodySchema, pool) : fc.constant(undefined),
      notJson: fc.constant(null),
      contentType: fc.constant('application/json'),
      authorization: fc.constant<FuzzRequest['authorization']>('valid'),
    });
  };

  /** Anything goes: wrong types, missing and extra properties, odd strings and queries, wrong content types, no token. */
  const hostile = (operation: Operation): fc.Arbitrary<FuzzRequest> => {
    const pathParameters = operation.parameters.filter((p) => p.in === 'path');
    const queryParameters = operation.parameters.filter((p) => p.in === 'query');
    const bodySchema = Object.values(operation.body)[0];
    return fc.record({
      operation: fc.constant(operation.id),
      path: fc.record(Object.fromEntries(pathParameters.map((p) => [p.name, parameterValue(document, p.schema, pool)]))),
      query: fc
        .tuple(
          ...queryParameters.map((p) =>
            fc.option(fc.array(parameterValue(document, p.schema, pool), { minLength: 1, maxLength: 2 }).map((values) => values.map((v) => [p.name, v] as [string, string]))),
          ),
          fc.option(fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), { maxLength: 2 }), { freq: 3 }),
        )
        .map((parts) => parts.flatMap((part) => part ?? [])),
      rawQuery: fc.option(oddQuery, { freq: 4 }),
      body: bodySchema ? bodyFor(document, bodySchema, pool) : fc.constant(undefined),
      notJson: fc.option(notJson, { freq: bodySchema ? 4 : 10 }),
      contentType: contentTypes,
      authorization: fc.constantFrom<FuzzRequest['authorization']>('valid', 'valid', 'valid', 'none', 'wrong'),
    });
  };
  const requestFor = (operation: Operation) => fc.oneof(wellFormed(operation), hostile(operation));

  const byId = new Map(ops.map((operation) => [operation.id, operation]));
  const inject = (request: FuzzRequest) => {
    const operation = byId.get(request.operation)!;
    const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeComponent(request.path[name] ?? ''));
    const query = [...request.query.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`), ...(request.rawQuery ? [request.rawQuery] : [])].join('&');
    const payload = request.notJson ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    const headers: Record<string, string> = {};
    if (payload !== undefined && request.contentType !== undefined) headers['content-type'] = request.contentType;
    if (request.authorization === 'valid') Object.assign(headers, auth);
    if (request.authorization === 'wrong') headers.authorization = `Bearer ${writerToken}x`;
    return app.inject({ method: operation.method as 'GET', url: query ? `${path}?${query}` : path, headers, ...(payload === undefined ? {} : { payload }) });
  };

  const statuses = new Map<string, number>();
  const slowest = { ms: 0, label: '' };
  await fc.assert(
    fc.asyncProperty(fc.oneof(...ops.map(requestFor)), async (request) => {
      const started = performance.now();
      const response = await inject(request);
      const operation = byId.get(request.operation)!;
      const label = `${operation.method} ${operation.path} → ${response.statusCode}`;
      const ms = performance.now() - started;
      if (ms > slowest.ms) Object.assign(slowest, { ms, label });
      statuses.set(label, (statuses.get(label) ?? 0) + 1);
      if (response.statusCode >= 500) throw new Error(`${label}: ${response.body}`);
      const documented = operation.responses[String(response.statusCode)];
      if (!documented) throw new Error(`${label} is not a documented status: ${response.body.slice(0, 300)}`);
      if (response.statusCode === 204) return;
      const body = JSON.parse(response.body) as { data?: unknown };
      if (response.statusCode >= 400) {
        if (!String(response.headers['content-type']).startsWith(problemMediaType)) throw new Error(`${label}: not problem+json`);
        const invalid = validate(problemSchema, body);
        if (invalid || (body as { status?: number }).status !== response.statusCode) throw new Error(`${label}: bad problem ${invalid} ${response.body}`);
        return;
      }
      // A GET can answer in several media types (?format=, Accept): validate against the one it sent.
      const mediaType = String(response.headers['content-type']).split(';')[0]!.trim();
      const schema = documented.content?.[mediaType]?.schema;
      if (!schema) throw new Error(`${label}: no response schema for ${mediaType}`);
      const invalid = validate(schema, body);
      if (invalid) throw new Error(`${label}: the ${mediaType} body does not match the contract: ${invalid}`);
      if (mediaType !== 'application/json') return;
      for (const record of Array.isArray(body.data) ? body.data : [body.data]) remember(operation.path, record);
    }),
    { numRuns: runs, seed, endOnFailure: true },
  );
  t.pass(`${runs} requests, no 5xx, every response as documented`);
  // Bodies drawn from the schemas (their `allOf` included) must mostly be valid, or writes go unexercised.
  const writes = [...statuses].filter(([label]) => /^(POST|PUT|PATCH) .* → 20[01]$/.test(label)).reduce((sum, [, n]) => sum + n, 0);
  t.ok(writes >= runs / 250, `${writes} writes accepted`);
  t.comment(`slowest: ${slowest.label} in ${slowest.ms.toFixed(0)} ms`);
  t.comment(
    [...statuses]
      .sort()
      .map(([label, n]) => `${label}: ${n}`)
      .join('\n'),
  );

  const health = await app.inject({ url: '/health' });
  t.equal(health.statusCode, 200, 'still healthy afterwards');
  t.same(JSON.parse(health.body), { status: 'ok' });
  await t.test("the file passes SQLite's own checks", sqliteOnly("SQLite's pragmas; PostgreSQL checks every foreign key as it writes"), async (t) => {
    t.same(databaseOf(app.services).sqlite.pragma('foreign_key_check'), [], 'no dangling reference was stored');
    t.equal(databaseOf(app.services).sqlite.pragma('integrity_check', { simple: true }), 'ok');
  });
});
