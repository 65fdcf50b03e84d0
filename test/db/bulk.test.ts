import Sqlite from 'better-sqlite3';
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import t from 'tap';
import { rowUpdater } from '../../src/core/db/bulk.js';
import { databaseOf } from '../../src/core/db/handles.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { sqliteStatements } from '../../src/core/db/statements.js';
import { engines } from '../engines.js';
import { auth, body, build } from '../helper.js';

const { onPostgres } = engines(t);

const json = { ...auth, 'content-type': 'application/json' };

t.test("a replace stores every column as the row's SQL types have it, bumps the version and keeps the creation time", async (t) => {
  const app = await build(t);
  const row = (id: string) =>
    databaseOf(app.services).sqlite.prepare('select name, honorific, typeof(honorific) as honorific_type, country, aliases, version, created_at, updated_at from people where id = ?').get(id);
  const payload = { slug: 'شخص-مستبدل', name: 'شخص مستبدل', honorific: 'العقيد', position: null, country: 'KW', aliases: ['أول'] };
  const created = body(await app.inject({ method: 'POST', url: '/v1/people', headers: json, payload })).data;
  const before = row(created.id) as { created_at: string; updated_at: string };

  const replaced = await app.inject({
    method: 'PUT',
    url: `/v1/people/${created.id}`,
    headers: { ...json, 'if-match': '*' },
    payload: { ...payload, name: 'اسم آخر', honorific: null, aliases: ['ثان', 'ثالث'] },
  });
  t.equal(replaced.statusCode, 200);
  t.match(row(created.id), {
    name: 'اسم آخر',
    honorific: null,
    honorific_type: 'null',
    country: 'KW',
    aliases: '["ثان","ثالث"]',
    version: 2,
    created_at: before.created_at,
  });
  t.ok((row(created.id) as { updated_at: string }).updated_at >= before.updated_at, 'a new update time');
  t.equal(body(replaced).data.version, 2);
});

t.test('a PATCH sets only the columns whose values it changes, so no trigger or index entry of another column is touched', async (t) => {
  const app = await build(t);
  const sqlite = databaseOf(app.services).sqlite;
  // SQLite fires an `UPDATE OF column` trigger when the statement sets that column, whatever the value: a witness
  // kept on this connection only (temp), for the columns a summary's PATCH leaves alone and one it sets.
  const watched = ['slug', 'title', 'body', 'status', 'published_at', 'summary'];
  sqlite.exec('create temp table fired (col text not null)');
  for (const col of watched) sqlite.exec(`create temp trigger fired_${col} after update of ${col} on main.articles begin insert into fired values ('${col}'); end`);
  const fired = () => sqlite.prepare('select col from fired order by col').pluck().all();
  const payload = { slug: 'خبر-للتعديل', title: 'خبر للتعديل', language: 'ar', summary: 'ملخص', body: [{ type: 'paragraph', text: 'نص الخبر.' }] };
  const created = body(await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload })).data;
  const stored = () => sqlite.prepare('select slug, title, summary, body, version from articles where id = ?').get(created.id);
  const patch = (change: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: `/v1/articles/${created.id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: change });

  t.equal((await patch({ summary: 'ملخص آخر' })).statusCode, 200);
  t.same(fired(), ['summary'], 'only the summary was set');
  t.match(stored(), { slug: 'خبر-للتعديل', title: 'خبر للتعديل', summary: 'ملخص آخر', body: '[{"type":"paragraph","text":"نص الخبر."}]', version: 2 });

  t.equal((await patch({ title: 'عنوان آخر', body: [{ type: 'paragraph', text: 'نص آخر.' }] })).statusCode, 200);
  t.same(fired(), ['body', 'summary', 'title'], 'then the title and the body');
  t.match(stored(), { title: 'عنوان آخر', summary: 'ملخص آخر', body: '[{"type":"paragraph","text":"نص آخر."}]', version: 3 });
  const found = body(await app.inject({ method: 'GET', url: `/v1/search?q=${encodeURIComponent('آخر')}` })).data.map((hit: { id: string }) => hit.id);
  t.ok(found.includes(created.id), 'the new title and body are searchable');
});

t.test('the statements kept per set of changed columns are bounded: the first set, pushed out by 64 others, is prepared again', async (t) => {
  const sqlite = new Sqlite(':memory:');
  t.teardown(() => sqlite.close());
  const names = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6'] as const;
  const table = sqliteTable('wide', { id: text().primaryKey(), ...Object.fromEntries(names.map((name) => [name, text()])) });
  sqlite.exec(`create table wide (id text primary key, ${names.join(' text, ')} text)`);
  sqlite.prepare('insert into wide (id) values (?)').run('row');
  const prepare = sqlite.prepare.bind(sqlite);
  let prepared = 0;
  sqlite.prepare = ((source: string) => {
    prepared += 1;
    return prepare(source);
  }) as typeof sqlite.prepare;
  const update = rowUpdater(table, 'id', []);
  const tx = sqliteStatements(sqlite);
  const none = Object.fromEntries(names.map((name) => [name, null]));
  // The set of columns changed is the bits of `set`: 65 distinct sets (1 to 65), then the first again.
  const change = (set: number) => update(tx, 'row', Object.fromEntries(names.map((name, bit) => [name, set & (1 << bit) ? `v${set}` : null])), none);
  for (let set = 1; set <= 65; set++) await change(set);
  t.equal(prepared, 65, 'a statement for each new set');
  await change(2);
  t.equal(prepared, 65, 'a recent set is kept');
  await change(1);
  t.equal(prepared, 66, 'the least recently used was evicted and is prepared again');
  // Each update wrote only the columns its set names: c1 last by set 2, c2 last by set 63 (bits 0 to 5).
  t.same(sqlite.prepare('select c0, c1, c2 from wide').get(), { c0: 'v1', c1: 'v2', c2: 'v63' }, 'each update stored the values it changed');
});

onPostgres('a pooled connection keeps a named UPDATE for the first 16 sets of changed columns only; the others run unnamed', async (t, engine) => {
  const names = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'] as const;
  const table = sqliteTable('wide', { id: text().primaryKey(), ...Object.fromEntries(names.map((name) => [name, text()])) });
  const client = await engine.postgres.pool.connect();
  t.teardown(() => client.release());
  await client.query(`create table wide (id text primary key, ${names.join(' text, ')} text)`);
  await client.query("insert into wide (id) values ('row')");
  const update = rowUpdater(table, 'id', []);
  // One connection, so that its session's prepared statements are all the updates left behind.
  const tx = postgresStatements(client);
  const none = Object.fromEntries(names.map((name) => [name, null]));
  const values = (set: number) => Object.fromEntries(names.map((name, bit) => [name, set & (1 << bit) ? `v${set}` : null]));
  // The set of columns changed is the bits of `set`: 40 distinct sets, then each again.
  for (const round of [1, 2]) for (let set = 1; set <= 40; set++) await update(tx, 'row', values(set), round === 1 ? none : {});
  const { rows } = await client.query<{ statement: string }>("select statement from pg_prepared_statements where statement like 'update %'");
  t.equal(rows.length, 16, 'sixteen named updates kept, for the first sixteen sets');
  // The last update, set 40 (bits 3 and 5), wrote c3 and c5; c0 last by set 39, c1 by 39, c2 by 39 (0b100111), c4 by 31.
  const stored = (await client.query('select c0, c1, c2, c3, c4, c5 from wide')).rows[0];
  t.same(stored, { c0: 'v39', c1: 'v39', c2: 'v39', c3: 'v40', c4: 'v31', c5: 'v40' }, 'every update stored what it changed, named or not');
});
