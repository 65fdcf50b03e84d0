import { sql } from 'drizzle-orm';
import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { maxCachedShapes, maxNamedShapes } from '../../src/core/list/sql.js';
import { body, build, readRows, recordStatements, sqliteOnly, testEngine } from '../helper.js';

/** Every order of up to four of the article sort keys, each either way: more query shapes than the listing keeps. */
function sorts(): string[] {
  const keys = ['published_at', 'title', 'updated_at', 'id'];
  const orders = (left: string[]): string[][] => left.flatMap((key) => [[key], ...orders(left.filter((k) => k !== key)).map((rest) => [key, ...rest])]);
  const signs = (order: string[]): string[] => order.reduce<string[]>((all, key) => all.flatMap((prefix) => [`${prefix}${prefix ? ',' : ''}${key}`, `${prefix}${prefix ? ',' : ''}-${key}`]), ['']);
  return orders(keys).flatMap(signs);
}

// Without the response cache: a repeated request must reach the listing whose own caches these tests watch.
const uncached = { responseCacheBytes: 0 };

t.test('a listing prepares a statement per query shape, and forgets the oldest past its bound', sqliteOnly('counts the statements SQLite prepares'), async (t) => {
  const app = await build(t, uncached);
  // Lists are read on the read connection.
  const sqlite = databaseOf(app.services).reader.$client;
  const prepare = sqlite.prepare.bind(sqlite);
  let prepared = 0;
  sqlite.prepare = ((source: string) => {
    prepared++;
    return prepare(source);
  }) as typeof sqlite.prepare;
  const list = async (sort: string) => t.equal((await app.inject({ url: `/v1/articles?sort=${sort}` })).statusCode, 200, sort);
  const shapes = sorts();
  t.ok(shapes.length > maxCachedShapes, `${shapes.length} shapes`);
  await list(shapes[0]!);
  const afterFirst = prepared;
  t.ok(afterFirst > 0, 'a new shape is prepared');
  await list(shapes[0]!);
  t.equal(prepared, afterFirst, 'a shape seen before reuses its statement');
  for (const sort of shapes.slice(1)) await list(sort);
  prepared = 0;
  await list(shapes[0]!);
  t.ok(prepared > 0, 'the first shape was forgotten and is prepared again');
});

t.test(
  "on PostgreSQL a listing names the first query shapes it meets, and runs the rest unnamed: a connection's named statements stay bounded",
  { skip: testEngine === 'postgres' ? false : 'PostgreSQL only: its connections keep the statements named on them' },
  async (t) => {
    // One pooled connection, so that every list is read on the session whose statements are counted.
    const app = await build(t, { ...uncached, databasePoolMax: 1 });
    const named = async () => Number((await readRows(app, sql<{ n: number | string }>`select count(*) as n from pg_prepared_statements`))[0]!.n);
    const list = async (sort: string) => t.equal((await app.inject({ url: `/v1/articles?sort=${sort}` })).statusCode, 200, sort);
    // The first list names the statements every list runs besides its shape's (the records by id, the schedule).
    const [first, ...rest] = sorts();
    await list(first!);
    const before = await named();
    for (const sort of rest) await list(sort);
    const added = (await named()) - before;
    t.ok(added > 0, `the first shapes are named (${added})`);
    t.ok(added <= maxNamedShapes, `no more than ${maxNamedShapes} for ${sorts().length} shapes: ${added}`);
  },
);

t.test('a listing remembers totals per filter value, and forgets the least recently used past its bound', async (t) => {
  const app = await build(t, uncached);
  const all = body(await app.inject({ url: '/v1/articles' })).meta.total;
  t.ok(all > 0, `the articles listed: ${all}`);
  // A filter no index answers (ne): its total is counted row by row, from the subquery named counted.
  const counts = async (title: string) => {
    const statements = await recordStatements(app, async () => {
      const response = await app.inject({ url: `/v1/articles?filter[title][ne]=${encodeURIComponent(title)}` });
      t.equal(body(response).meta.total, all, title);
    });
    return statements.filter((s) => /"counted"/.test(s.source)).length;
  };
  t.equal(await counts('t0'), 1, 'a new filter value is counted');
  t.equal(await counts('t0'), 0, 'then remembered');
  for (let i = 1; i <= maxCachedShapes; i++) await counts(`t${i}`);
  t.equal(await counts('t0'), 1, 'past the bound the first value was forgotten, so it is counted again');
});

t.test("a total the indexes answer whole is their candidates' count, not a second read of every row", async (t) => {
  const app = await build(t, uncached);
  for (const url of ['/v1/articles', '/v1/articles?filter[language][eq]=ar', '/v1/articles?filter[title][ne]=t0']) {
    const statements = await recordStatements(app, async () => t.equal((await app.inject({ url })).statusCode, 200, url));
    const candidates = statements.filter((s) => /"listed"/.test(s.source)).length;
    const rowByRow = statements.filter((s) => /"counted"/.test(s.source)).length;
    // Only the ne filter's rows need reading: no index holds "not this title".
    t.same([candidates, rowByRow], url.includes('[ne]') ? [1, 1] : [1, 0], `${url}: the candidates counted, and counted again row by row`);
  }
});
