import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import pg from 'pg';
import t, { type Test } from 'tap';
import { parse } from 'yaml';
import { people } from '../../src/core/resources/people/table.js';
import { build } from '../helper.js';
import { clusterAdmin, startPostgres } from '../postgres.js';
import { recordsSearchMisses, unindexedPerson } from '../search/found-by-title.js';

// The command-line scripts as `npm run …` runs them: the compiled build, in a process of its own (backup has
// backup.test.ts).
t.setTimeout(120_000);

/** A compiled command line program, by its path under dist/ without the extension. */
const cli = (path: string) => new URL(`../../dist/${path}.js`, import.meta.url).pathname;

function run(program: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [cli(program), ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempFile(t: Test, name: string) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

const countRows = (db: Sqlite.Database, table: string) => (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
const resourceTables = ['articles', 'people', 'organisations', 'meetings'];

t.test('npm run seed loads the source document once, however often it runs', async (t) => {
  const file = tempFile(t, 'khabar.db');
  const env = { DATABASE_URL: `file:${file}` };
  const first = run('core/cli/seed', [], env);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /^seeded: article العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز\n$/);
  const db = new Sqlite(file, { readonly: true });
  t.teardown(() => db.close());
  const counts = () => resourceTables.map((table) => countRows(db, table));
  const once = counts();
  t.equal(once[0], 1, 'the one article of the report');
  t.ok(
    once.every((n) => n > 0),
    'and the people, organisations and meeting it names',
  );
  t.equal(run('core/cli/seed', [], env).status, 0, 'a second run succeeds');
  t.same(counts(), once, 'and leaves one copy');

  const broken = run('core/cli/seed', [], { DATABASE_URL: 'mysql://localhost/khabar' });
  t.equal(broken.status, 1);
  t.match(broken.stderr, /^khabar seed: invalid DATABASE_URL/);
});

t.test('npm run search:reindex rebuilds emptied search and substring indices', async (t) => {
  const file = tempFile(t, 'khabar.db');
  const env = { DATABASE_URL: `file:${file}` };
  t.equal(run('core/cli/seed', [], env).status, 0);
  const db = new Sqlite(file);
  t.teardown(() => db.close());
  const found = () => ({
    words: countRows(db, `search_index where search_index match '"العدواني"'`),
    trigrams: countRows(db, `substring_index where substring_index match '"عدوان"'`),
  });
  t.ok(found().words > 0 && found().trigrams > 0, 'the seed is indexed');
  db.exec("delete from search_documents; insert into search_index (search_index) values ('delete-all'); insert into substring_index (substring_index) values ('delete-all')");
  t.same(found(), { words: 0, trigrams: 0 }, 'the indices are empty');
  drizzle(db).insert(people).values(unindexedPerson).run();

  const rebuilt = run('core/cli/search-reindex', [], env);
  t.equal(rebuilt.status, 0, rebuilt.stderr);
  const expected = resourceTables.map((table) => `${countRows(db, table)} ${table}`).join(', ');
  t.equal(rebuilt.stdout, `search index rebuilt: ${expected}\n`, 'it names how many records of each kind it indexed');
  t.equal(
    countRows(db, 'search_documents'),
    resourceTables.reduce((sum, table) => sum + countRows(db, table), 0),
    'every record has an entry',
  );
  t.ok(found().words > 0 && found().trigrams > 0, 'and the seeded names are found again');
  const app = await build(t, { databaseUrl: env.DATABASE_URL });
  const records = resourceTables.reduce((sum, table) => sum + countRows(db, table), 0);
  t.same(await recordsSearchMisses(app, db), { checked: records, missed: [] }, 'every record is found by the words of its title or name, the one written around the index too');

  const broken = run('core/cli/search-reindex', [], { DATABASE_URL: 'mysql://localhost/khabar' });
  t.equal(broken.status, 1);
  t.match(broken.stderr, /^khabar search:reindex: invalid DATABASE_URL/);
});

t.test('npm run openapi writes the document the server serves', async (t) => {
  const file = tempFile(t, 'openapi.yaml');
  const written = run('web/cli/openapi', [file]);
  t.equal(written.status, 0, written.stderr);
  t.equal(written.stdout, `wrote ${file}\n`);
  // openapi.yaml is compared with the served document in test/http/openapi.test.ts.
  t.same(parse(readFileSync(file, 'utf8')), parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')));
});

t.test('npm run seed:synthetic loads the sizes asked for into an empty database, and only there', async (t) => {
  const file = tempFile(t, 'synthetic.db');
  const env = { DATABASE_URL: `file:${file}` };
  const loaded = run('core/cli/seed-synthetic', ['--articles', '30', '--people', '12', '--organisations', '5', '--meetings', '7', '--seed', '3'], env);
  t.equal(loaded.status, 0, loaded.stderr);
  t.match(loaded.stdout, /^synthetic data \(seed 3\) in [\d.]+ s: .*; post-load steps: /);
  const db = new Sqlite(file, { readonly: true });
  t.teardown(() => db.close());
  t.same(
    resourceTables.map((table) => countRows(db, table)),
    [30, 12, 5, 7],
    'as many records of each kind as asked',
  );
  t.equal(countRows(db, 'search_documents'), 54, 'and all of them indexed');

  const again = run('core/cli/seed-synthetic', ['--articles', '1'], env);
  t.equal(again.status, 1, 'a database with records is refused');
  t.match(again.stderr, /^khabar seed:synthetic: the database already has records/);
  t.equal(countRows(db, 'articles'), 30, 'and left as it was');
  const bad = run('core/cli/seed-synthetic', ['--articles', '2.5'], { DATABASE_URL: `file:${tempFile(t, 'other.db')}` });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /^khabar seed:synthetic: --articles must be a whole number, not 2.5/);
});

t.test('on PostgreSQL, seed, search:reindex and seed:synthetic work on a postgres:// DATABASE_URL', async (t) => {
  const { fresh } = await clusterAdmin(t, await startPostgres(t));
  const seeded = await fresh('tools');
  const env = { DATABASE_URL: seeded.url };
  const client = new pg.Client(seeded.url);
  const count = async (table: string) => {
    const { rows } = await client.query<{ n: number }>(`select count(*)::integer as n from ${table}`);
    return rows[0]!.n;
  };
  const counts = () => Promise.all(resourceTables.map(count));

  const first = run('core/cli/seed', [], env);
  t.equal(first.status, 0, first.stderr);
  t.match(first.stdout, /^seeded: article العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز\n$/);
  await client.connect();
  t.teardown(() => client.end());
  const once = await counts();
  t.equal(once[0], 1, 'the one article of the report');
  t.ok(
    once.every((n) => n > 0),
    'and the people, organisations and meeting it names',
  );
  t.equal(run('core/cli/seed', [], env).status, 0, 'a second run succeeds');
  t.same(await counts(), once, 'and leaves one copy');

  const records = once.reduce((sum, n) => sum + n, 0);
  t.equal(await count('search_documents'), records, 'the seed is indexed');
  await client.query('delete from search_documents');
  const rebuilt = run('core/cli/search-reindex', [], env);
  t.equal(rebuilt.status, 0, rebuilt.stderr);
  t.equal(rebuilt.stdout, `search index rebuilt: ${resourceTables.map((table, i) => `${once[i]} ${table}`).join(', ')}\n`);
  t.equal(await count('search_documents'), records, 'every record has an entry again');
  t.ok((await count('search_index')) > 0 && (await count('substring_index')) > 0, 'and words and trigrams');

  const synthetic = { DATABASE_URL: (await fresh('synthetic')).url };
  const loaded = run('core/cli/seed-synthetic', ['--articles', '30', '--people', '12', '--organisations', '5', '--meetings', '7', '--seed', '3'], synthetic);
  t.equal(loaded.status, 0, loaded.stderr);
  const other = new pg.Client(synthetic.DATABASE_URL);
  await other.connect();
  t.teardown(() => other.end());
  const sizes = await Promise.all(resourceTables.map(async (table) => (await other.query<{ n: number }>(`select count(*)::integer as n from ${table}`)).rows[0]!.n));
  t.same(sizes, [30, 12, 5, 7], 'as many records of each kind as asked');
  const again = run('core/cli/seed-synthetic', ['--articles', '1'], synthetic);
  t.equal(again.status, 1, 'a database with records is refused');
  t.match(again.stderr, /^khabar seed:synthetic: the database already has records/);
});
