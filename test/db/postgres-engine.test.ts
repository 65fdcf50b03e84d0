import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import t from 'tap';
import { migrationLockKey, openPostgres, type PostgresOptions } from '../../src/core/db/postgres.js';
import { idempotencyKeys } from '../../src/core/db/postgres-tables.js';
import { clusterAdmin, failOnIdleError, startPostgres } from '../postgres.js';

/*
 * Opening PostgreSQL (src/core/db/postgres.ts) against a real cluster: the pool's settings as the server reports
 * them, int8 read as a number or refused, draining on close, and migrations applied once under the advisory lock.
 */

const options: PostgresOptions = { max: 2, statementTimeoutMs: 1500, lockTimeoutMs: 700, onIdleError: failOnIdleError(t) };

// The journal drizzle-kit writes: one entry per migration, `when` being what the migrator records as created_at.
const journal = JSON.parse(readFileSync(new URL('../../migrations/postgres/meta/_journal.json', import.meta.url), 'utf8')) as { entries: { when: number }[] };
const migrationTimes = journal.entries.map((entry) => entry.when).sort((a, b) => a - b);

const serverUrl = await startPostgres(t);
const { admin, fresh } = await clusterAdmin(t, serverUrl);
/** A fresh, empty database on the cluster, and its URL. */
const freshDatabase = () => fresh('engine');

const connectionsTo = async (database: string) => Number((await admin.query("select count(*) from pg_stat_activity where datname = $1 and backend_type = 'client backend'", [database])).rows[0].count);

t.test('the pool: timeouts set on every connection, at most max connections, drained on close', async (t) => {
  const { name, url } = await freshDatabase();
  const postgres = await openPostgres(url, options);
  const settings = await postgres.pool.query<{ statement_timeout: string; lock_timeout: string }>(
    "select current_setting('statement_timeout') as statement_timeout, current_setting('lock_timeout') as lock_timeout",
  );
  t.strictSame(settings.rows, [{ statement_timeout: '1500ms', lock_timeout: '700ms' }], 'each session has the timeouts');
  await t.rejects(postgres.pool.query('select pg_sleep(3)'), { code: '57014' }, 'a statement past its timeout is cancelled');

  const sleepers = [1, 2, 3].map(() => postgres.pool.query('select pg_sleep(0.4)'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(await connectionsTo(name), options.max, 'three queries at once hold no more than max connections');
  await Promise.all(sleepers);

  const running = postgres.pool.query<{ done: number }>('select pg_sleep(0.3), 1 as done');
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closing = postgres.close();
  t.strictSame((await running).rows[0]?.done, 1, 'a query under way when the pool closes finishes');
  await closing;
  t.equal(await connectionsTo(name), 0, 'closed, the pool holds no connection');
  await t.rejects(postgres.pool.query('select 1'), 'and takes no query');
});

t.test('an idle pooled connection whose backend ends is told to onIdleError and replaced, and the process goes on', async (t) => {
  const { name, url } = await freshDatabase();
  const idleErrors: Error[] = [];
  const postgres = await openPostgres(url, { ...options, onIdleError: (error) => idleErrors.push(error) });
  t.teardown(() => postgres.close());
  await postgres.pool.query('select 1');
  t.equal(postgres.pool.idleCount, 1, 'the connection is idle in the pool');
  await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and backend_type = 'client backend'", [name]);
  for (let waited = 0; idleErrors.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(idleErrors.length, 1, 'the error reached onIdleError, not an unhandled error event');
  t.strictSame((await postgres.pool.query<{ one: number }>('select 1 as one')).rows, [{ one: 1 }], 'the next query gets a new connection');
});

t.test('int8 reads as a number on this pool only, and past 2^53 - 1 it is refused rather than rounded', async (t) => {
  const { url } = await freshDatabase();
  const postgres = await openPostgres(url, options);
  t.teardown(() => postgres.close());
  const { rows } = await postgres.pool.query('select 9007199254740991::int8 as largest, -9007199254740991::int8 as smallest, count(*) as n from generate_series(1, 3)');
  t.strictSame(rows, [{ largest: 9007199254740991, smallest: -9007199254740991, n: 3 }], 'numbers, exact');
  await t.rejects(postgres.pool.query('select 9007199254740993::int8'), { name: 'RangeError', message: /9007199254740993/ }, 'one past is refused, naming the value');
  await t.rejects(postgres.pool.query('select -9007199254740992::int8'), { name: 'RangeError' }, 'so is the negative side');

  const plain = new pg.Client(url);
  await plain.connect();
  t.teardown(() => plain.end());
  t.strictSame((await plain.query('select 42::int8 as n')).rows, [{ n: '42' }], "another client keeps node-postgres's default (a string)");

  // Drizzle's driver passes its own parsers (int8 as text): the table's columns read it with the same rule.
  const key = { writer: 'w', key: 'k', fingerprint: 'f', status: 200, headers: {}, body: '' };
  await postgres.db.insert(idempotencyKeys).values([
    { ...key, key: 'safe', created_at: 9007199254740991 },
    { ...key, key: 'past', created_at: 1 },
  ]);
  await postgres.pool.query("update idempotency_keys set created_at = 9007199254740993 where key = 'past'");
  t.strictSame(
    (await postgres.db.select({ at: idempotencyKeys.created_at }).from(idempotencyKeys).where(eq(idempotencyKeys.key, 'safe'))).map((row) => row.at),
    [9007199254740991],
    'through Drizzle, a number',
  );
  await t.rejects(postgres.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, 'past')), { message: /9007199254740993/ }, 'and past 2^53 - 1, refused');
});

t.test('URLs: only postgres:, and a password never shown in an error', async (t) => {
  await t.rejects(openPostgres('mysql://127.0.0.1/khabar', options), { name: 'DatabaseError', message: 'invalid DATABASE_URL: mysql: is not postgres:' });
  await t.rejects(openPostgres('postgres//nothing', options), { name: 'DatabaseError', message: 'invalid DATABASE_URL: not a URL' });
  const closed = new URL(serverUrl);
  closed.port = '1';
  closed.password = 'secret-word';
  const error = await openPostgres(closed.href, options).catch((caught: unknown) => caught);
  t.match(error, { name: 'DatabaseError', message: /^cannot open database postgres:\/\/postgres@127\.0\.0\.1:1\/postgres: / }, 'names the database');
  t.notMatch(String(error), /secret-word/, 'not its password');
});

/** The migrations a database records, in order. */
const recorded = async (client: pg.Client) =>
  (await client.query<{ id: number; created_at: string }>('select id, created_at from drizzle.__drizzle_migrations order by id')).rows.map((row) => ({
    id: row.id,
    created_at: Number(row.created_at),
  }));

t.test('nodes starting at once apply each migration once; a second start applies nothing', async (t) => {
  const { url } = await freshDatabase();
  const nodes = await Promise.all([1, 2, 3, 4].map(() => openPostgres(url, options)));
  t.teardown(() => Promise.all(nodes.map((node) => node.close())));
  const client = new pg.Client(url);
  await client.connect();
  t.teardown(() => client.end());
  const applied = await recorded(client);
  t.strictSame(
    applied.map((row) => row.created_at),
    migrationTimes,
    'every migration of the journal, each once',
  );
  const again = await openPostgres(url, options);
  await again.close();
  t.strictSame(await recorded(client), applied, 'a later start records nothing more');
  t.strictSame((await client.query("select to_regclass('people') is not null as found")).rows, [{ found: true }], 'the tables are there');
});

t.test('a node waits while another holds the migration lock', async (t) => {
  const { url } = await freshDatabase();
  const holder = new pg.Client(url);
  await holder.connect();
  t.teardown(() => holder.end());
  await holder.query('select pg_advisory_lock($1)', [migrationLockKey]);
  let opened = false;
  const opening = openPostgres(url, options).then((postgres) => {
    opened = true;
    return postgres;
  });
  // Longer than the pool's lock_timeout: the wait for this lock is not bounded by it.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.notOk(opened, 'not while the lock is held');
  await holder.query('select pg_advisory_unlock($1)', [migrationLockKey]);
  const postgres = await opening;
  await postgres.close();
  t.ok(opened, 'then it migrates');
});

t.test('a database migrated by a newer khabar is refused with one line, and left as it was', async (t) => {
  const { url } = await freshDatabase();
  await (await openPostgres(url, options)).close();
  const client = new pg.Client(url);
  await client.connect();
  t.teardown(() => client.end());
  const newer = Date.UTC(2099, 0, 1);
  await client.query("insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-a-newer-khabar', $1)", [newer]);
  const before = await recorded(client);
  await t.rejects(openPostgres(url, options), {
    name: 'DatabaseError',
    message:
      /^cannot open database postgres:\/\/\S+: its schema has a migration this code does not know \(created 2099-01-01T00:00:00\.000Z\): run the khabar version that wrote it, or restore a backup$/,
  });
  t.strictSame(await recorded(client), before, 'nothing applied');
});

t.test("start-up says when the database's LC_CTYPE gives Arabic letters no trigrams, and only then", async (t) => {
  const { url } = await freshDatabase();
  const fine = await openPostgres(url, options);
  t.teardown(() => fine.close());
  t.strictSame(fine.warnings, [], 'a UTF-8 LC_CTYPE (the cluster was made with C.UTF-8): nothing to say');

  // template0: a database's LC_CTYPE can differ from its template's only when copied from that one.
  const plain = await openPostgres((await fresh('engine_ctype_c', "template template0 lc_ctype 'C' lc_collate 'C'")).url, options);
  t.teardown(() => plain.close());
  t.strictSame(
    plain.warnings,
    ["PostgreSQL's LC_CTYPE C gives Arabic letters no trigrams: contains filters will read every row; create the database with a UTF-8 LC_CTYPE (C.UTF-8)"],
    'LC_CTYPE C: one line naming it and the remedy',
  );
});
