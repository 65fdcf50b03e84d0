import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Test } from 'tap';
import t from 'tap';
import { migrationsFolder, openDatabase } from '../../src/core/db/database.js';
import { databaseOf } from '../../src/core/db/handles.js';
import { connectionExecutors, executorOn, writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import { articleBodyText, articles } from '../../src/core/resources/articles/table.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { analyserVersion, refreshStaleSearchIndex } from '../../src/core/search/analyser-version.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { searchTypes } from '../../src/core/search/sources.js';
import { sqliteLoading } from '../../src/core/seed/sqlite-loading.js';
import { loadSyntheticData } from '../../src/core/seed/synthetic.js';
import { auth, build } from '../helper.js';
import { sqliteSearch } from '../search/sqlite-search.js';

const tempDir = (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-db-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('migrations build the schema on an empty database file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'nested', 'khabar.db');
  const database = openDatabase(`file:${file}`);
  t.teardown(() => database.close());
  t.ok(existsSync(file), 'the missing folder is created');
  t.equal(database.sqlite.pragma('page_size', { simple: true }), 8192, 'pages of 8 KB, which article rows fill better than 4 KB');
  const tables = database.sqlite.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
  for (const table of [
    'affiliations',
    'article_meetings',
    'article_organisations',
    'article_people',
    'articles',
    'meeting_organisations',
    'meeting_participants',
    'meetings',
    'organisations',
    'people',
  ]) {
    t.ok(tables.includes(table), `table ${table}`);
  }
  t.equal(database.sqlite.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(database.sqlite.pragma('foreign_keys', { simple: true }), 1);
  t.same(database.sqlite.pragma('foreign_key_check'), [], 'no dangling references');
  database.close();
  const again = openDatabase(`file:${file}`);
  t.teardown(() => again.close());
  const applied = again.sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get();
  t.ok((applied as number) >= 1, 'reopening applies nothing twice');
});

t.test("a serving database bounds both connections' page caches at 4 MB; a command line program's keeps the driver's 16 MB", async (t) => {
  const dir = tempDir(t);
  const serving = openDatabase(`file:${join(dir, 'serving.db')}`, { serving: true });
  t.teardown(() => serving.close());
  const cacheOf = (connection: Sqlite.Database) => connection.pragma('cache_size', { simple: true });
  t.equal(cacheOf(serving.sqlite), -4096, 'the write connection: 4,096 KiB');
  t.equal(cacheOf(serving.reader.$client), -4096, 'the read connection: 4,096 KiB');
  const program = openDatabase(`file:${join(dir, 'program.db')}`);
  t.teardown(() => program.close());
  t.equal(cacheOf(program.sqlite), -16000, 'a bulk writer keeps the 16 MB better-sqlite3 builds SQLite with');
});

t.test('a file that is not a database is refused with a clear error', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'bad.db');
  (await import('node:fs')).writeFileSync(file, 'this is not sqlite '.repeat(100));
  t.throws(() => openDatabase(`file:${file}`), { name: 'DatabaseError', message: /cannot open database/ });
});

t.test('the WAL stays bounded under sustained writes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'wal.db');
  const database = openDatabase(`file:${file}`);
  t.teardown(() => database.close());
  const { organisations } = createRepositories();
  for (let i = 0; i < 3000; i++) {
    await writeOnSqlite(database.sqlite, (tx) => organisations.create(tx, { slug: `org-${i}`, name: `منظمة رقم ${i} `.repeat(10).trim(), kind: 'other', country: null, parent_id: null }));
  }
  const walBytes = statSync(`${file}-wal`).size;
  t.ok(walBytes < 16 * 1024 * 1024, `WAL is ${(walBytes / 1024 / 1024).toFixed(1)} MB after 3,000 creates`);
});

t.test('the full-text index merges its segments eight at a time, so writes share less merge work', async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const automerge = database.sqlite.prepare("select v from search_index_config where k = 'automerge'").pluck().get();
  t.equal(automerge, 8);
});

/** A database file migrated only up to (not including) the migration tagged `before`. */
function migratedUpTo(dir: string, before: string): string {
  const folder = join(dir, 'migrations');
  cpSync(migrationsFolder, folder, { recursive: true });
  const journalFile = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.slice(
    0,
    journal.entries.findIndex((entry) => entry.tag === before),
  );
  writeFileSync(journalFile, JSON.stringify(journal));
  const file = join(dir, 'old.db');
  const sqlite = new Sqlite(file);
  migrate(drizzle(sqlite), { migrationsFolder: folder });
  return file;
}

/** A database written before the migration tagged `before` by `written` (SQL), then opened by this code. */
function upgraded(t: Test, before: string, written: string) {
  const file = migratedUpTo(tempDir(t), before);
  const old = new Sqlite(file);
  old.exec(written);
  old.close();
  const database = openDatabase(`file:${file}`);
  t.teardown(() => database.close());
  return database;
}

t.test('the date-time migration rewrites stored date-times in UTC with milliseconds, and gives each rewritten row a new version', async (t) => {
  const dir = tempDir(t);
  const file = migratedUpTo(dir, '0006_canonical_date_times');
  const old = new Sqlite(file);
  const insertArticle = old.prepare(
    "insert into articles (id, slug, version, created_at, updated_at, title, language, body, body_text, published_at) values (?, ?, 3, 'c', 'u', 't', 'ar', '[]', '', ?)",
  );
  const articles: Array<[string, string | null, string | null]> = [
    ['offset', '2026-11-25T12:00:00+03:00', '2026-11-25T09:00:00.000Z'],
    ['seconds', '2026-11-25T09:00:01Z', '2026-11-25T09:00:01.000Z'],
    ['fraction', '2026-11-25T09:00:00.5Z', '2026-11-25T09:00:00.500Z'],
    ['canonical', '2026-11-25T08:00:00.000Z', '2026-11-25T08:00:00.000Z'],
    ['none', null, null],
  ];
  articles.forEach(([slug, value], i) => {
    insertArticle.run(`a${i}`, slug, value);
  });
  const insertMeeting = old.prepare("insert into meetings (id, slug, version, created_at, updated_at, title, status, starts_at) values (?, ?, 1, 'c', 'u', 't', 'held', ?)");
  insertMeeting.run('m0', 'date', '2026-11-25');
  insertMeeting.run('m1', 'time', '2026-11-25T23:30:00-05:30');
  old.close();

  const database = openDatabase(`file:${file}`);
  t.teardown(() => database.close());
  const stored = database.sqlite.prepare('select slug, published_at, version from articles order by published_at, id').all();
  t.same(
    stored,
    [
      { slug: 'none', published_at: null, version: 3 },
      { slug: 'canonical', published_at: '2026-11-25T08:00:00.000Z', version: 3 },
      { slug: 'offset', published_at: '2026-11-25T09:00:00.000Z', version: 4 },
      { slug: 'fraction', published_at: '2026-11-25T09:00:00.500Z', version: 4 },
      { slug: 'seconds', published_at: '2026-11-25T09:00:01.000Z', version: 4 },
    ],
    'rewritten values sort in time order; unchanged rows keep their version',
  );
  const meetings = database.sqlite.prepare('select slug, starts_at, version from meetings order by id').all();
  t.same(meetings, [
    { slug: 'date', starts_at: '2026-11-25', version: 1 },
    { slug: 'time', starts_at: '2026-11-26T05:00:00.000Z', version: 2 },
  ]);
});

t.test('the storage migration keeps the body once and the links clustered by article, every record read as before', async (t) => {
  const dir = tempDir(t);
  const file = migratedUpTo(dir, '0010_storage');
  const old = new Sqlite(file);
  // Blocks with what a naive join could lose: a blank line and a quote inside a text, a letter outside the BMP, eleven blocks (order by key, not as text).
  const blocks = [
    { type: 'heading', text: 'عنوان "مقتبس"' },
    { type: 'paragraph', text: 'سطر\n\nبعد سطر فارغ 😀 \\ نهاية' },
    ...Array.from({ length: 9 }, (_, i) => ({ type: 'paragraph', text: `فقرة ${i + 3}` })),
  ];
  const bodyText = blocks.map((block) => block.text).join('\n\n');
  old
    .prepare("insert into articles (id, slug, version, created_at, updated_at, title, language, body, body_text) values ('a1', 'مقال-قديم', 1, 'c', 'u', 'اجتماع', 'ar', ?, ?)")
    .run(JSON.stringify(blocks), bodyText);
  old.exec(`
    insert into people (id, slug, version, created_at, updated_at, name, aliases) values ('p1', 'سالم', 1, 'c', 'u', 'سالم المطيري', '[]'), ('p2', 'ناصر', 1, 'c', 'u', 'ناصر', '[]');
    insert into organisations (id, slug, version, created_at, updated_at, name, kind, aliases) values ('o1', 'وزارة', 1, 'c', 'u', 'وزارة الداخلية', 'ministry', '[]');
    insert into meetings (id, slug, version, created_at, updated_at, title, status) values ('m1', 'لقاء', 1, 'c', 'u', 'لقاء تنسيقي', 'held');
    insert into article_people (article_id, position, subject_id) values ('a1', 1, 'p1'), ('a1', 0, 'p2');
    insert into article_organisations (article_id, position, subject_id) values ('a1', 0, 'o1');
    insert into article_meetings (article_id, position, subject_id) values ('a1', 0, 'm1');
  `);
  old.close();

  const database = openDatabase(`file:${file}`);
  t.teardown(() => database.close());
  const columns = database.sqlite.prepare("select name from pragma_table_info('articles')").pluck().all();
  t.notOk(columns.includes('body_text'), 'the plain text is no longer stored');
  const article = (await createRepositories().articles.findIn(executorOn(database.sqlite), 'a1'))!;
  t.same(article.body, blocks, 'the blocks as written');
  t.equal(article.body_text, bodyText, 'the plain text as it was stored');
  t.equal(database.db.select({ text: articleBodyText }).from(articles).get()?.text, bodyText, 'and as SQL derives it for search and mentions');
  t.same([article.person_ids, article.organisation_ids, article.meeting_ids], [['p2', 'p1'], ['o1'], ['m1']], 'every link, in its order');
  for (const table of ['article_people', 'article_organisations', 'article_meetings']) {
    const sql = database.sqlite.prepare('select sql from sqlite_master where name = ?').pluck().get(table) as string;
    t.match(sql, /WITHOUT ROWID\s*$/, `${table} has no rowid`);
  }
  t.same(database.sqlite.pragma('foreign_key_check'), [], 'the links still refer to records that exist');
});

t.test('the substring-index migration indexes the records written before it', async (t) => {
  const database = upgraded(
    t,
    '0008_substring_index',
    `
    insert into articles (id, slug, version, created_at, updated_at, title, language, body, body_text) values ('a1', 'مقال-قديم', 1, 'c', 'u', 'اجتماع وزارتي الداخلية', 'ar', '[]', '');
    insert into people (id, slug, version, created_at, updated_at, name, aliases, country) values ('p1', 'سالم', 1, 'c', 'u', 'سالم المطيري', '[]', 'KW');
    insert into organisations (id, slug, version, created_at, updated_at, name, kind, aliases) values ('o1', 'وزارة', 1, 'c', 'u', 'وزارة الداخلية', 'ministry', '[]');
    insert into meetings (id, slug, version, created_at, updated_at, title, status) values ('m1', 'لقاء', 1, 'c', 'u', 'لقاء تنسيقي', 'held');
    insert into search_documents (doc_id, type, record_id) values (1, 'articles', 'a1'), (2, 'people', 'p1'), (3, 'organisations', 'o1'), (4, 'meetings', 'm1');
  `,
  );
  const found = database.sqlite.prepare('select d.record_id from substring_index s join search_documents d on d.doc_id = s.rowid where substring_index match ? order by d.record_id');
  t.same(found.pluck().all('title : "ارتي الد"'), ['a1'], 'an article title, across a space');
  t.same(found.pluck().all('name : "الداخل"'), ['o1'], 'an organisation name');
  t.same(found.pluck().all('name : "م المطي"'), ['p1'], 'a person name');
  t.same(found.pluck().all('country : "KW"'), [], 'two characters hold no trigram');
  t.same(found.pluck().all('title : "تنسيق"'), ['m1'], 'a meeting title');
  t.same(found.pluck().all('slug : "مقال-قد"'), ['a1'], 'a slug');
  t.equal(database.sqlite.prepare("select v from substring_index_config where k = 'automerge'").pluck().get(), 8);
});

t.test('the storage2 migration clusters revisions, meeting links and affiliations on their keys, every row and read as before', async (t) => {
  const file = migratedUpTo(tempDir(t), '0024_storage2');
  const old = new Sqlite(file);
  old.pragma('foreign_keys = ON');
  await loadSyntheticData(sqliteLoading({ sqlite: old }), { articles: 40, people: 30, organisations: 12, meetings: 20, seed: 5 });
  const clustered = ['revisions', 'meeting_participants', 'meeting_organisations', 'affiliations'];
  const rowsOf = (sqlite: Sqlite.Database) => clustered.map((table) => sqlite.prepare(`select * from ${table} order by 1, 2, 3`).all());
  const before = rowsOf(old);
  const person = old.prepare('select person_id from affiliations group by person_id order by count(*) desc limit 1').pluck().get() as string;
  const meeting = old.prepare('select meeting_id from meeting_participants group by meeting_id order by count(*) desc limit 1').pluck().get() as string;
  const expected = {
    organisations: old.prepare('select organisation_id from affiliations where person_id = ? order by position').pluck().all(person),
    participants: old.prepare('select person_id from meeting_participants where meeting_id = ? order by position').pluck().all(meeting),
    hosts: old.prepare('select organisation_id from meeting_organisations where meeting_id = ? order by position').pluck().all(meeting),
    revisions: old.prepare<[string], number>("select count(*) from revisions where resource = 'meetings' and record_id = ?").pluck().get(meeting)!,
  };
  old.close();
  t.ok(expected.organisations.length > 1 && expected.participants.length > 1, 'a person with affiliations and a meeting with participants to read');

  const app = await build(t, { databaseUrl: `file:${file}`, seed: 'never' });
  const sqlite = databaseOf(app.services).sqlite;
  for (const table of clustered) t.match(sqlite.prepare('select sql from sqlite_master where name = ?').pluck().get(table), /WITHOUT ROWID\s*$/, `${table} has no rowid`);
  t.same(rowsOf(sqlite), before, 'every row as it was');
  t.same(sqlite.pragma('foreign_key_check'), [], 'the links still refer to records that exist');
  const read = async (url: string) => JSON.parse((await app.inject({ url, headers: auth })).body);
  const { data: readPerson } = await read(`/v1/people/${person}`);
  t.same(
    readPerson.affiliations.map((affiliation: { organisation_id: string }) => affiliation.organisation_id),
    expected.organisations,
    'a person reads their affiliations in order',
  );
  const { data: readMeeting } = await read(`/v1/meetings/${meeting}`);
  t.same(
    readMeeting.participants.map((participant: { person_id: string }) => participant.person_id),
    expected.participants,
    'a meeting reads its participants in order',
  );
  t.same(readMeeting.organisation_ids, expected.hosts, 'and its organisations');
  t.equal((await read(`/v1/meetings/${meeting}/revisions`)).data.length, expected.revisions, 'and its revisions');
  const updated = await app.inject({ method: 'PATCH', url: `/v1/meetings/${meeting}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { title: 'لقاء بعد الترحيل' } });
  t.equal(updated.statusCode, 200, 'a write after the upgrade');
  t.equal((await read(`/v1/meetings/${meeting}/revisions`)).data.length, expected.revisions + 1, 'adds its revision');
});

t.test('the prefix-lengths migration recreates the search index, and the next start refills it from the records', async (t) => {
  const database = upgraded(
    t,
    '0009_search_prefix_lengths',
    `
    insert into articles (id, slug, version, created_at, updated_at, title, language, body, body_text) values ('a1', 'مقال-قديم', 1, 'c', 'u', 'المربع يستقبل وفدا', 'ar', '[]', '');
    insert into search_documents (doc_id, type, record_id) values (1, 'articles', 'a1');
    insert into search_index (rowid, type, title, title_stem, body, body_stem) values (1, 'articles', 'المربع يستقبل وفدا', 'مربع يستقبل وفد', '', '');
    pragma user_version = ${analyserVersion};
  `,
  );
  t.ok(await refreshStaleSearchIndex(connectionExecutors(database.sqlite), fts5Index), 'the emptied index is rebuilt at start');
  const search = sqliteSearch(database);
  t.same(
    (await search.search({ q: 'المرب*', types: searchTypes, limit: 5 })).results.map((result) => result.id),
    ['a1'],
    'a record written before the upgrade is found by a prefix of five letters',
  );
  t.equal(database.sqlite.prepare("select v from search_index_config where k = 'automerge'").pluck().get(), 8);
});
