import { asc, count, eq, max, sql, sum } from 'drizzle-orm';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { sqliteStatements, statement } from '../../src/core/db/statements.js';
import { revisions } from '../../src/core/revisions/table.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { engines } from '../engines.js';

/*
 * The statement executor (src/core/db/statements.ts, postgres-statements.ts) and the dialect object (dialect.ts):
 * one statement written over the sqlite-core tables, the same rows on both engines. The expected rows are the ones
 * written, typed as the tables declare them, not read back from either engine.
 */

const { onBoth, onPostgres } = engines(t);

const snapshot = Buffer.from([0, 1, 2, 250, 255]);
const revisionRows = [
  { resource: 'people', record_id: 'p1', n: 1, action: 'create' as const, snapshot, relations_only: false, writer: 'w', at: '2026-01-01T00:00:00.000Z' },
  { resource: 'people', record_id: 'p1', n: 2, action: 'update' as const, snapshot: Buffer.alloc(0), relations_only: true, writer: 'w', at: '2026-01-02T00:00:00.000Z' },
  // Past 2^32, as a millisecond time is: an int8 on PostgreSQL.
  { resource: 'people', record_id: 'p2', n: 9_007_199_254_740_991, action: 'delete' as const, snapshot, relations_only: false, writer: 'w', at: '2026-01-03T00:00:00.000Z' },
];
const hook = {
  id: 'h1',
  url: 'https://hooks.example/x',
  secret: 's',
  // Key order and spacing as written, which a json column keeps (jsonb would not).
  resources: ['people', 'articles'] as const,
  actions: ['created'] as const,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

const byRecord = statement
  .select({ n: revisions.n, snapshot: revisions.snapshot, relationsOnly: revisions.relations_only, at: revisions.at })
  .from(revisions)
  .where(eq(revisions.record_id, sql.placeholder('id')))
  .orderBy(asc(revisions.n));

onBoth('a select reads back booleans, bytes and 64-bit integers as written, and binds placeholders', async (t, engine) => {
  await engine.insert(revisions, revisionRows);
  const rows = engine.statements.prepare(byRecord);
  t.strictSame(await rows.all({ id: 'p1' }), [
    { n: 1, snapshot, relationsOnly: false, at: '2026-01-01T00:00:00.000Z' },
    { n: 2, snapshot: Buffer.alloc(0), relationsOnly: true, at: '2026-01-02T00:00:00.000Z' },
  ]);
  t.strictSame(await rows.get({ id: 'p2' }), { n: 9_007_199_254_740_991, snapshot, relationsOnly: false, at: '2026-01-03T00:00:00.000Z' }, 'the largest exact integer, exactly');
  t.equal(await rows.get({ id: 'nobody' }), undefined, 'get of no row is undefined');
  t.strictSame(await rows.all({ id: 'nobody' }), []);
  await t.rejects(rows.all(), /placeholder/i, 'a missing placeholder value is an error, not a null');
});

onBoth('a JSON column reads back as the value written; a nested selection as its objects', async (t, engine) => {
  await engine.insert(webhooks, [hook]);
  await engine.insert(webhookDeliveries, [
    { id: 7, webhook_id: 'h1', seq: 3, status: 'pending', attempts: 0, next_attempt_at: null, claim: null, last_attempt_at: null, response_status: null, error: null },
  ]);
  const joined = engine.statements.prepare(
    statement
      .select({ id: webhookDeliveries.id, hook: { resources: webhooks.resources, actions: webhooks.actions }, due: webhookDeliveries.next_attempt_at })
      .from(webhookDeliveries)
      .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhook_id)),
  );
  t.strictSame(await joined.all(), [{ id: 7, hook: { resources: ['people', 'articles'], actions: ['created'] }, due: null }]);
});

onBoth('aggregates read as numbers: count(*), max, sum; a computed boolean as SQLite gives it', async (t, engine) => {
  await engine.insert(revisions, revisionRows);
  const totals = engine.statements.prepare(statement.select({ rows: count(), highest: max(revisions.n), total: sum(revisions.n).mapWith(Number) }).from(revisions));
  t.strictSame(await totals.get(), { rows: 3, highest: 9_007_199_254_740_991, total: 9_007_199_254_740_994 });
  const none = engine.statements.prepare(
    statement
      .select({ rows: count(), highest: max(revisions.n) })
      .from(revisions)
      .where(eq(revisions.writer, 'nobody')),
  );
  t.strictSame(await none.get(), { rows: 0, highest: null }, 'count of nothing is 0, max of nothing null');
  const raw = engine.statements.prepare(sql<{ found: number; n: number }>`select exists (select 1 from ${revisions} where ${revisions.relations_only}) as found, count(*) as n from ${revisions}`);
  t.strictSame(await raw.all(), [{ found: 1, n: 3 }], 'an sql template: raw rows, a boolean as 1, a count as a number');
});

onBoth('run reports the rows it changed', async (t, engine) => {
  await engine.insert(revisions, revisionRows);
  const rename = engine.statements.prepare(sql`update ${revisions} set writer = ${sql.placeholder('writer')} where ${revisions.record_id} = ${sql.placeholder('id')}`);
  t.strictSame(await rename.run({ writer: 'x', id: 'p1' }), { changes: 2 });
  t.strictSame(await rename.run({ writer: 'x', id: 'nobody' }), { changes: 0 });
  t.strictSame(await engine.statements.prepare(statement.select({ writer: revisions.writer }).from(revisions).orderBy(asc(revisions.n))).all(), [{ writer: 'x' }, { writer: 'x' }, { writer: 'w' }]);
});

onBoth('the dialect: a bound JSON list of ids, and distinctness with nulls', async (t, engine) => {
  await engine.insert(revisions, revisionRows);
  const { dialect } = engine.statements;
  const listed = engine.statements.prepare(
    statement
      .selectDistinct({ id: revisions.record_id })
      .from(revisions)
      .where(sql`${revisions.record_id} in ${dialect.inList(sql.placeholder('ids'))}`)
      .orderBy(asc(revisions.record_id)),
  );
  t.strictSame(await listed.all({ ids: JSON.stringify(['p2', 'p1', 'nobody']) }), [{ id: 'p1' }, { id: 'p2' }]);
  t.strictSame(await listed.all({ ids: '[]' }), [], 'an empty list matches nothing');
  const differ = engine.statements.prepare(
    sql<{
      a: number;
      b: number;
      c: number;
      d: number;
    }>`select ${dialect.distinctFrom(sql`1`, sql`null`)} as a, ${dialect.distinctFrom(sql`null`, sql`null`)} as b, ${dialect.distinctFrom(sql`'x'`, sql`'x'`)} as c, ${dialect.distinctFrom(sql`'x'`, sql`'y'`)} as d`,
  );
  t.strictSame(await differ.get(), { a: 1, b: 0, c: 0, d: 1 });
});

t.test('on SQLite a statement is prepared once, when it is made, not on each call', async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const prepared: string[] = [];
  const prepare = database.sqlite.prepare.bind(database.sqlite);
  t.teardown(() => {
    database.sqlite.prepare = prepare;
  });
  database.sqlite.prepare = (source) => {
    prepared.push(source);
    return prepare(source);
  };
  const rows = sqliteStatements(database.sqlite).prepare(byRecord);
  for (const id of ['p1', 'p2', 'p3']) await rows.all({ id });
  t.equal(prepared.length, 1, 'one prepare for three calls');
});

onPostgres('on PostgreSQL a statement is a named prepared statement, prepared once on each connection', async (t, { postgres }) => {
  const client = await postgres.pool.connect();
  t.teardown(() => client.release());
  const listed = () => client.query<{ name: string; statement: string }>('select name, statement from pg_prepared_statements');
  t.strictSame((await listed()).rows, [], 'none before');
  const rows = postgresStatements(client).prepare(byRecord);
  for (const id of ['p1', 'p2', 'p3']) await rows.all({ id });
  // A transaction prepares the same statement again on its connection: the same name, so nothing more.
  await postgresStatements(client).prepare(byRecord).get({ id: 'p1' });
  const [only, ...more] = (await listed()).rows;
  t.strictSame(more, [], 'one statement on the connection');
  t.match(only, { name: /^k_/, statement: /^select "n", "snapshot", "relations_only", "at" from "revisions" where "revisions"."record_id" = \$1/ });
});
