import type { Test } from 'tap';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { openDatabase } from '../../src/db/database.js';
import { createRepositories } from '../../src/resources/index.js';

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
  const tables = database.sqlite.prepare("select name from sqlite_master where type = 'table' order by name").pluck().all();
  for (const table of ['affiliations', 'article_meetings', 'article_organisations', 'article_people', 'articles', 'meeting_organisations', 'meeting_participants', 'meetings', 'organisations', 'people']) {
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
  const { organisations } = createRepositories(database.db);
  for (let i = 0; i < 3000; i++) {
    organisations.create({ slug: `org-${i}`, name: `منظمة رقم ${i} `.repeat(10).trim(), kind: 'other', country: null, parent_id: null });
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
