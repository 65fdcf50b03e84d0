import { fileURLToPath } from 'node:url';
import { getTableName, is, like } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { idempotencyKeys } from '../../src/core/db/idempotency.js';
import * as postgresTables from '../../src/core/db/postgres-tables.js';
import { people } from '../../src/core/resources/people/table.js';
import { revisions } from '../../src/core/revisions/table.js';
import { searchIndex, substringIndex } from '../../src/core/search/table.js';
import { startPostgres } from '../postgres.js';

/*
 * The PostgreSQL schema against the SQLite one it is built from (src/core/db/postgres-tables.ts): both databases
 * migrated from their committed migrations, and compared as each engine describes itself (SQLite's pragmas,
 * PostgreSQL's catalogue), so that a table, column, key, index or check added on one side alone fails here.
 */

const sqliteTables = { idempotencyKeys, people, revisions };
const postgresMigrations = fileURLToPath(new URL('../../migrations/postgres', import.meta.url));

/** The PostgreSQL types a SQLite storage class may become: JSON is TEXT in SQLite, a boolean an INTEGER 0 or 1. */
const typeClasses: Record<string, string[]> = { TEXT: ['text', 'json'], INTEGER: ['bigint', 'boolean'], BLOB: ['bytea'] };

/** SQLite's ON DELETE words for PostgreSQL's confdeltype letters. */
const onDelete: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

/** A default as either engine writes it, without PostgreSQL's casts and quotes: `'[]'::json` and `'[]'` are both `[]`. */
const bareDefault = (value: string | null) => (value === null ? null : value.replace(/::[a-z ]+$/, '').replace(/^'(.*)'$/, '$1'));

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  primaryKey: number;
  default: string | null;
  collation?: string | null;
}
interface Index {
  name: string;
  unique: boolean;
  partial: boolean;
  columns: string[];
}
interface ForeignKey {
  from: string;
  table: string;
  to: string;
  onDelete: string;
}

function describeSqlite() {
  const database = openDatabase('file::memory:');
  try {
    const sqlite = database.sqlite;
    // Ordinary tables only: FTS5's virtual tables and their shadow tables are SQLite's search (docs/postgresql.md).
    const tables = sqlite
      .prepare("select name from pragma_table_list where schema = 'main' and type = 'table' and name not like 'sqlite\\_%' escape '\\' and name <> '__drizzle_migrations' order by name")
      .pluck()
      .all() as string[];
    return tables.map((table) => {
      const columns = (sqlite.prepare('select * from pragma_table_info(?) order by cid').all(table) as { name: string; type: string; notnull: number; pk: number; dflt_value: string | null }[]).map(
        (column): Column => ({ name: column.name, type: column.type, notNull: column.notnull === 1 || column.pk > 0, primaryKey: column.pk, default: bareDefault(column.dflt_value) }),
      );
      const indexes = (
        sqlite.prepare('select name, "unique", partial from pragma_index_list(?) where origin <> \'pk\' order by name').all(table) as { name: string; unique: number; partial: number }[]
      ).map(
        (index): Index => ({
          name: index.name,
          unique: index.unique === 1,
          partial: index.partial === 1,
          columns: sqlite.prepare('select name from pragma_index_info(?) order by seqno').pluck().all(index.name) as string[],
        }),
      );
      const foreignKeys = (
        sqlite.prepare('select "from", "table", "to", on_delete from pragma_foreign_key_list(?) order by "from"').all(table) as { from: string; table: string; to: string; on_delete: string }[]
      ).map((key): ForeignKey => ({ from: key.from, table: key.table, to: key.to, onDelete: key.on_delete }));
      const definition = sqlite.prepare("select sql from sqlite_master where type = 'table' and name = ?").pluck().get(table) as string;
      const checks = [...definition.matchAll(/CONSTRAINT "([^"]+)" CHECK/g)].map((match) => match[1]!).sort();
      return { table, columns, indexes, foreignKeys, checks };
    });
  } finally {
    database.close();
  }
}

/**
 * Tables only custom migrations make: SQLite's FTS5 tables as ordinary ones (test/db/postgres-search.test.ts checks
 * them), and the change feed's counter, which stands in for SQLite's AUTOINCREMENT (test/db/derived-rows.test.ts), and the analyser version's row,
 * SQLite's `user_version` (test/serving/prepare.test.ts), and the committed change count, which SQLite's
 * data_version makes needless (test/db/postgres-change-signal.test.ts).
 */
const customTables = [getTableName(searchIndex), getTableName(substringIndex), 'changes_counter', 'search_analyser', 'change_count'];

async function describePostgres(client: pg.Client) {
  const { rows: tables } = await client.query<{ name: string }>(
    "select table_name as name from information_schema.tables where table_schema = 'public' and table_name <> all($1) order by table_name",
    [customTables],
  );
  const { rows: columns } = await client.query<Column & { table: string; identity: boolean }>(`
    select c.table_name as table, c.column_name as name, c.data_type as type, c.is_nullable = 'NO' as "notNull", c.column_default as default,
      c.collation_name as collation, c.is_identity = 'YES' as identity,
      coalesce((select array_position(k.conkey, c.ordinal_position::smallint) from pg_constraint k
        where k.conrelid = ('public.' || quote_ident(c.table_name))::regclass and k.contype = 'p'), 0) as "primaryKey"
    from information_schema.columns c where c.table_schema = 'public' order by c.table_name, c.ordinal_position`);
  const { rows: indexes } = await client.query<Index & { table: string }>(`
    select t.relname as table, i.relname as name, x.indisunique as unique, x.indpred is not null as partial,
      array(select a.attname::text from unnest(x.indkey) with ordinality k(attnum, n)
        join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum order by k.n) as columns
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid join pg_namespace s on s.oid = t.relnamespace
    where s.nspname = 'public' and not x.indisprimary order by i.relname`);
  const { rows: foreignKeys } = await client.query<ForeignKey & { owner: string }>(`
    select c.conrelid::regclass::text as owner, a.attname as from, c.confrelid::regclass::text as table, r.attname as to, c.confdeltype as "onDelete"
    from pg_constraint c cross join unnest(c.conkey, c.confkey) as k(col, ref)
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.col join pg_attribute r on r.attrelid = c.confrelid and r.attnum = k.ref
    where c.contype = 'f' order by a.attname`);
  const { rows: checks } = await client.query<{ table: string; name: string }>("select conrelid::regclass::text as table, conname as name from pg_constraint where contype = 'c' order by conname");
  return tables.map(({ name: table }) => ({
    table,
    columns: columns.filter((column) => column.table === table),
    indexes: indexes.filter((index) => index.table === table).map(({ table: _, ...index }) => index),
    foreignKeys: foreignKeys.filter((key) => key.owner === table).map(({ owner: _, ...key }) => ({ ...key, onDelete: onDelete[key.onDelete] })),
    checks: checks.filter((check) => check.table === table).map((check) => check.name),
  }));
}

// One cluster for the file, migrated once: the first test reads its catalogue, the second writes a few rows.
const client = new pg.Client(await startPostgres(t));
await client.connect();
t.teardown(() => client.end());
await migrate(drizzle(client), { migrationsFolder: postgresMigrations });

t.test('the PostgreSQL migrations build the tables of the SQLite ones, with their columns, keys, indexes and checks', async (t) => {
  const sqlite = describeSqlite();
  const postgres = await describePostgres(client);
  t.strictSame(
    postgres.map((table) => table.table),
    sqlite.map((table) => table.table),
    'the same tables',
  );
  for (const expected of sqlite) {
    const actual = postgres.find((table) => table.table === expected.table);
    if (!actual) continue;
    t.test(expected.table, async (t) => {
      // Sorted: a column SQLite's ALTER TABLE added comes last there, where PostgreSQL's table has it declared in place.
      t.strictSame(actual.columns.map((column) => column.name).sort(), expected.columns.map((column) => column.name).sort(), 'the same columns');
      for (const column of expected.columns) {
        const counterpart = actual.columns.find((candidate) => candidate.name === column.name);
        if (!counterpart) continue;
        t.ok(typeClasses[column.type]?.includes(counterpart.type), `${column.name}: ${column.type} is ${counterpart.type}`);
        t.equal(counterpart.notNull, column.notNull, `${column.name}: nullable on both or on neither`);
        t.equal(counterpart.primaryKey, column.primaryKey, `${column.name}: the same place in the primary key`);
        // SQLite numbers an INTEGER PRIMARY KEY left out of an insert; an identity column is PostgreSQL's way.
        if (column.type === 'INTEGER' && column.primaryKey === 1 && expected.columns.filter((other) => other.primaryKey > 0).length === 1) {
          t.ok(counterpart.identity, `${column.name}: numbered when an insert leaves it out`);
        } else {
          t.equal(bareDefault(counterpart.default), column.default, `${column.name}: the same default`);
        }
        // SQLite's BINARY comparison of UTF-8 text is code point order, as the C collation's.
        if (counterpart.type === 'text') t.equal(counterpart.collation, 'C', `${column.name}: sorted by code point`);
      }
      t.strictSame(actual.indexes, expected.indexes, 'the same indexes (name, uniqueness, partial or not, columns in order)');
      t.strictSame(actual.foreignKeys, expected.foreignKeys, 'the same foreign keys, with the same action on delete');
      t.strictSame(actual.checks, expected.checks, 'the same checks, by name');
    });
  }
});

t.test('the committed PostgreSQL migrations are current with the tables postgres-tables.ts builds', async (t) => {
  const catalogue = await describePostgres(client);
  const built = Object.values(postgresTables)
    .filter((table) => is(table, PgTable))
    .map((table) => getTableConfig(table));
  t.strictSame(
    built.map((table) => table.name).sort(),
    catalogue.map((table) => table.table),
    'the same tables',
  );
  for (const table of built) {
    const migrated = catalogue.find((candidate) => candidate.table === table.name);
    const uniqueColumns = table.columns.flatMap((column) => (column.isUnique && column.uniqueName ? [column.uniqueName] : []));
    t.strictSame(
      [...table.indexes.map((index) => index.config.name), ...uniqueColumns].sort(),
      migrated?.indexes.map((index) => index.name),
      `${table.name}: the same indexes`,
    );
    t.strictSame(table.checks.map((rule) => rule.name).sort(), migrated?.checks, `${table.name}: the same checks`);
    t.strictSame(
      table.foreignKeys.flatMap((key) => key.reference().columns.map((column) => column.name)).sort(),
      migrated?.foreignKeys.map((key) => key.from),
      `${table.name}: the same foreign keys`,
    );
  }
});

t.test('the check PostgreSQL words its own way refuses what SQLite refuses: a mention of two entities', async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const mention = (entities: string) =>
    `insert into mentions (article_id, part, start, "end", text, ${entities}, origin) values ('a1', 'title', 0, 1, 'A', ${entities.replace(/\w+/g, (column) => `'${column[0]}1'`)}, 'auto')`;
  for (const statement of [
    "insert into people (id, slug, created_at, updated_at, name) values ('p1', 'p', '2025-01-01', '2025-01-01', 'P')",
    "insert into organisations (id, slug, created_at, updated_at, name, kind) values ('o1', 'o', '2025-01-01', '2025-01-01', 'O', 'other')",
    "insert into articles (id, slug, created_at, updated_at, title, language, body) values ('a1', 'a', '2025-01-01', '2025-01-01', 'A', 'ar', '[]')",
    mention('person_id'),
  ]) {
    await client.query(statement);
    database.sqlite.prepare(statement).run();
  }
  await t.rejects(client.query(mention('person_id, organisation_id')), { message: /mentions_one_entity/ }, 'PostgreSQL refuses two entities');
  t.throws(() => database.sqlite.prepare(mention('person_id, organisation_id')).run(), { message: /mentions_one_entity/ }, 'as SQLite does');
  await t.rejects(client.query(`insert into mentions (article_id, part, start, "end", text, origin) values ('a1', 'title', 0, 1, 'A', 'auto')`), { message: /mentions_one_entity/ }, 'and none');
});

t.test("a row reads back through PostgreSQL's tables as through SQLite's: JSON as written, booleans, 64-bit integers, bytes, defaults, code point order", async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const postgres = drizzle(client);
  // Keys out of order: jsonb would give them back sorted.
  const key = { writer: 'editor', key: 'k1', fingerprint: 'f', status: 201, headers: { 'x-b': '1', 'x-a': '2' }, body: '{}', created_at: 1_764_000_000_123 };
  database.db.insert(sqliteTables.idempotencyKeys).values(key).run();
  await postgres.insert(postgresTables.idempotencyKeys).values(key);
  const revision = { resource: 'people', record_id: 'p9', n: 1, action: 'create' as const, snapshot: Buffer.from([0, 255, 1]), relations_only: true, writer: 'editor', at: '2025-01-01' };
  database.db.insert(sqliteTables.revisions).values(revision).run();
  await postgres.insert(postgresTables.revisions).values(revision);
  const slugs = ['b', 'B', 'a', 'ب', 'ا', '10', '9', 'é', 'e', 'ة'];
  const records = slugs.map((slug, n) => ({ id: `sorted-${n}`, slug, created_at: '2025-01-01', updated_at: '2025-01-01', name: slug }));
  database.db.insert(sqliteTables.people).values(records).run();
  await postgres.insert(postgresTables.people).values(records);

  const fromSqlite = {
    key: database.db.select().from(sqliteTables.idempotencyKeys).all(),
    revision: database.db.select().from(sqliteTables.revisions).all(),
    people: database.db.select().from(sqliteTables.people).where(like(sqliteTables.people.id, 'sorted-%')).orderBy(sqliteTables.people.slug).all(),
  };
  const fromPostgres = {
    key: await postgres.select().from(postgresTables.idempotencyKeys),
    revision: await postgres.select().from(postgresTables.revisions),
    people: await postgres.select().from(postgresTables.people).where(like(postgresTables.people.id, 'sorted-%')).orderBy(postgresTables.people.slug),
  };
  t.strictSame(fromSqlite.key, [key], 'SQLite gives the key back as written');
  t.strictSame(fromPostgres.key, [key], 'so does PostgreSQL, the headers in their order');
  t.same(Object.keys(fromPostgres.key[0]?.headers ?? {}), ['x-b', 'x-a'], 'the JSON keys in the order written');
  t.strictSame(fromSqlite.revision, [revision], 'SQLite gives the revision back');
  t.strictSame(fromPostgres.revision, [revision], 'so does PostgreSQL, bytes and boolean alike');
  const byCodePoint = [...slugs].sort();
  t.strictSame(
    fromSqlite.people.map((person) => person.slug),
    byCodePoint,
    'SQLite sorts text by code point',
  );
  t.strictSame(
    fromPostgres.people.map((person) => person.slug),
    byCodePoint,
    'so does PostgreSQL',
  );
  t.strictSame(
    fromPostgres.people.map((person) => [person.version, person.aliases]),
    slugs.map(() => [1, []]),
    'with the same defaults',
  );
});
