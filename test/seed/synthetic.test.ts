import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { type Database, openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import { sqliteStatements } from '../../src/core/db/statements.js';
import { article } from '../../src/core/resources/articles/schemas.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { meeting } from '../../src/core/resources/meetings/schemas.js';
import { organisation } from '../../src/core/resources/organisations/schemas.js';
import { person } from '../../src/core/resources/people/schemas.js';
import { seededRandom } from '../../src/core/seed/random.js';
import { sqliteLoading } from '../../src/core/seed/sqlite-loading.js';
import { loadSyntheticData, recordMaker, type SyntheticOptions } from '../../src/core/seed/synthetic.js';
import { listOn, recordsOf, sqliteOnly } from '../helper.js';

/** The loader as SQLite's own (sqliteLoading), on a database it opens; synthetic-engines.test.ts loads both engines. */
const loadedOnSqlite = sqliteOnly("loads through SQLite's loader (sqliteLoading) into a SQLite database of its own");

const size = { articles: 300, people: 60, organisations: 90, meetings: 40 };
const tables = ['organisations', 'people', 'affiliations', 'meetings', 'meeting_participants', 'meeting_organisations', 'articles', 'article_people', 'article_organisations', 'article_meetings'];

async function load(t: Test, options: SyntheticOptions, url = 'file::memory:'): Promise<Database> {
  const database = openDatabase(url);
  t.teardown(() => database.close());
  await loadSyntheticData(sqliteLoading(database), options, []);
  return database;
}

/**
 * Every row of every table in a stable order, as one digest (comparing the rows themselves is slow in tap). Each
 * table's first two columns are unique together (an id, or a parent and a position); link tables have no rowid.
 */
function digest(database: Database): string {
  const rows = tables.map((table) => database.sqlite.prepare(`select * from ${table} order by 1, 2`).all());
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

t.test('the same seed gives the same data set, row for row; another seed gives another', loadedOnSqlite, async (t) => {
  const first = await load(t, { ...size, seed: 7 });
  t.equal(digest(await load(t, { ...size, seed: 7 })), digest(first));
  t.not(digest(await load(t, { ...size, seed: 8 })), digest(first));
  const empty = tables.filter((table) => first.sqlite.prepare(`select count(*) from ${table}`).pluck().get() === 0);
  t.same(empty, [], 'every kind of record and link is there');
  t.same(
    first.sqlite.prepare('select distinct acting from affiliations order by acting').pluck().all(),
    [null, 0, 1],
    "a nullable column's null is stored as null, beside its values (an affiliation's acting: unknown, no, yes)",
  );
});

t.test('synthetic records are valid API records, Arabic, linked, and in id order', loadedOnSqlite, async (t) => {
  const database = await load(t, { ...size, seed: 42 });
  const repositories = createRepositories();
  t.same(database.sqlite.pragma('foreign_key_check'), [], 'no dangling references');
  const pages = {
    articles: [await listOn(database.db, repositories.articles, { limit: 100 }), article],
    people: [await listOn(database.db, repositories.people, { limit: 100 }), person],
    organisations: [await listOn(database.db, repositories.organisations, { limit: 100 }), organisation],
    meetings: [await listOn(database.db, repositories.meetings, { limit: 100 }), meeting],
  } as const;
  for (const [name, [page, schema]] of Object.entries(pages)) {
    t.same(page.total, { value: size[name as keyof typeof size], relation: 'eq' }, `${name}: the asked-for number, exactly`);
    const invalid = (await recordsOf<unknown>(page)).map((row) => schema.safeParse(row)).filter((result) => !result.success);
    t.same(invalid, [], `${name}: every row passes the response schema`);
  }
  const articles = await recordsOf(pages.articles[0]);
  t.ok(
    articles.every((a) => /[\u0600-\u06ff]/.test(a.title) && a.body_text.length > 100),
    'Arabic titles and bodies',
  );
  t.ok(
    articles.every((a) => a.person_ids.length > 0 && a.organisation_ids.length > 0),
    'every article has subjects',
  );
  t.ok(
    articles.some((a) => a.meeting_ids.length > 0),
    'some report a meeting',
  );
  t.ok(
    (await recordsOf(pages.people[0])).some((p) => p.affiliations.length > 0),
    'people have affiliations',
  );
  t.ok(
    (await recordsOf(pages.organisations[0])).some((o) => o.parent_id !== null),
    'organisations have parents',
  );
  t.ok(
    (await recordsOf(pages.meetings[0])).every((m) => m.participants.length >= 2 && m.host_organisation_id !== null),
    'meetings have hosts and participants',
  );
  const ids = articles.map((a) => a.id);
  t.same(ids, [...ids].sort().reverse(), 'ids are UUIDv7 in creation order');
  t.ok(
    articles.every((a, i) => i === 0 || a.created_at <= articles[i - 1]!.created_at),
    'timestamps follow the ids',
  );
});

t.test('the post-load steps index and link the generated articles', loadedOnSqlite, async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  await loadSyntheticData(sqliteLoading(database), { ...size, seed: 3 });
  const repositories = createRepositories();
  const generated = await recordsOf(await listOn(database.db, repositories.articles, { limit: 100 }));
  const statements = sqliteStatements(database.sqlite);
  const mentionsOf = new Map(await Promise.all(generated.map(async (a) => [a.id, await repositories.mentions.list(statements, a.id)] as const)));
  const linked = generated.filter((a) => mentionsOf.get(a.id)!.length > 0);
  t.ok(linked.length > generated.length / 2, `${linked.length} of ${generated.length} articles have mentions`);
  for (const a of linked.slice(0, 20)) {
    for (const m of mentionsOf.get(a.id)!) {
      t.equal((m.part === 'title' ? a.title : a.body_text).slice(m.start, m.end), m.text, 'each mention points at its text');
    }
  }
  const indexed = database.sqlite.prepare("select count(*) from search_documents where type = 'articles'").pluck().get();
  t.equal(indexed, size.articles, 'and the search index holds every article');
});

t.test('post-load steps run after the rows are in', loadedOnSqlite, async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const seen: number[] = [];
  const count = () => database.sqlite.prepare('select count(*) from articles').pluck().get() as number;
  await loadSyntheticData(sqliteLoading(database), { ...size, articles: 5, seed: 1 }, [
    {
      name: 'count',
      run: async () => {
        seen.push(count());
      },
    },
  ]);
  t.same(seen, [5]);
});

t.test('the PRNG: reproducible draws in range, distinct samples', async (t) => {
  const a = seededRandom(3);
  const b = seededRandom(3);
  const draws = Array.from({ length: 1000 }, () => a.int(1, 6));
  t.same(
    draws,
    Array.from({ length: 1000 }, () => b.int(1, 6)),
  );
  t.ok(draws.every((n) => n >= 1 && n <= 6) && new Set(draws).size === 6);
  t.same(new Set(a.sample([1, 2, 3], 3)), new Set([1, 2, 3]));
  t.same(a.sample([1, 2], 5).length, 2, 'never more than there are');
});

t.test('the WAL stays bounded while articles with subjects are created on a loaded database', loadedOnSqlite, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-wal-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'khabar.db');
  const database = await load(t, { ...size, seed: 5 }, `file:${file}`);
  const { articles, people, organisations } = createRepositories();
  const personIds = (await recordsOf(await listOn(database.db, people, { limit: 10 }))).map((p) => p.id);
  const organisationIds = (await recordsOf(await listOn(database.db, organisations, { limit: 10 }))).map((o) => o.id);
  const body = [{ type: 'paragraph' as const, text: 'شملت المناقشات جوانب متعددة تتعلق بالتنسيق الأمني. '.repeat(40) }];
  let largest = 0;
  for (let i = 0; i < 2000; i++) {
    await writeOnSqlite(database.sqlite, (tx) =>
      articles.create(tx, { slug: `مقال-${i}`, title: `مقال رقم ${i}`, language: 'ar', body, person_ids: personIds.slice(0, 3), organisation_ids: organisationIds.slice(0, 2) }),
    );
    if (i % 100 === 0) largest = Math.max(largest, statSync(`${file}-wal`).size);
  }
  // Automatic checkpoints restart the WAL every 1,000 pages (4 MB); a statement left open stops them and the
  // WAL then grows by every page written (about 10 MB per 1,000 of these articles).
  t.ok(largest < 12 * 1024 * 1024, `WAL peaked at ${(largest / 1024 / 1024).toFixed(1)} MB over 2,000 article creates`);
});

t.test("the synthetic clock: a set of 1,420,000 records (1,000,000 articles) ends before 2026, the benchmark's set keeps its steps", async (t) => {
  const end = Date.UTC(2026, 0, 1);
  const datesOf = (total: number, n = total) => {
    const make = recordMaker(seededRandom(42), total);
    const dates: number[] = [];
    for (let i = 0; i < n; i++) dates.push(Date.parse(make('خبر', i).created_at));
    return dates;
  };
  const large = datesOf(1_420_000);
  t.ok(large.at(-1)! < end, `the last record on ${new Date(large.at(-1)!).toISOString()}`);
  t.ok(
    large.every((at, i) => i === 0 || at > large[i - 1]!),
    'each record after the one before',
  );
  // 100,000 articles, 20,000 people, 2,000 organisations, 20,000 meetings: steps of 1 to 400 s, as a set of 1,000 has.
  const benchmark = datesOf(142_000, 1_000);
  t.strictSame(benchmark, datesOf(1_000), "the first thousand dates as a small set's");
  t.ok(
    benchmark.every((at, i) => i === 0 || (at - benchmark[i - 1]! >= 1_000 && at - benchmark[i - 1]! <= 400_000)),
    'a step of 1 to 400 s between records',
  );
});
