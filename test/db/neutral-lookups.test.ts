import { fillPlaceholders } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import t, { type Test } from 'tap';
import type { Bindings, Query, StatementExecutor } from '../../src/core/db/statements.js';
import type { Condition, ListQuery, SortKey } from '../../src/core/list/query.js';
import { createListing } from '../../src/core/list/sql.js';
import type { Visibility } from '../../src/core/list/visibility.js';
import { articleList } from '../../src/core/resources/articles/list.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { indexRecord } from '../../src/core/search/indexer.js';
import { type Engine, engines } from '../engines.js';
import { publicAt } from '../helper.js';
import { walkArticles } from './article-walk.js';

/*
 * A list's `q=` and `contains` on both engines (docs/postgresql.md, the list engine's section): FTS5's lookups on
 * SQLite, the tsvectors' and pg_trgm's on PostgreSQL, over the same articles indexed by the indexer's own writes.
 * What each list should give is derived here from how the articles were made: which texts each holds, by
 * construction, for `q=`; the titles and slugs as written, for `contains`.
 */

const { onBoth, onPostgres } = engines(t);

type Article = typeof articles.$inferSelect;
const at = (day: number) => `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
const now = at(20);
const publicly: Visibility = publicAt(now);
const isPublic = (row: Article) => row.status === 'published' && (row.published_at === null || row.published_at <= now);

/** The texts an article is made of, each by a rule on its number: what a query finds is derived from these. */
const texts = {
  /** The ministry, as written three ways: plain, with its diacritics, with ه for ة. */
  interior: (i: number) => i % 3 === 0,
  /** Cooperation in security, its hamza written or not. */
  security: (i: number) => i % 4 === 1,
  /** An official visit, the two words side by side. */
  visit: (i: number) => i % 5 === 2,
  /** Both words of the visit, apart and in the other order: not the phrase. */
  apart: (i: number) => i % 8 === 6,
  english: (i: number) => i % 7 === 3,
  /** A title sharing a head of more than 32 characters with another, which ends otherwise. */
  longSaudi: (i: number) => i % 13 === 0,
  longQatar: (i: number) => i % 13 === 1,
};
const longHead = 'اجتماع وزارة الداخلية الكويتية مع وفد رفيع المستوى';

function article(i: number): Article {
  const title = [
    texts.security(i) ? (i % 8 === 1 ? 'التعاون الأمني' : 'التعاون الامني') : 'تقرير',
    texts.english(i) ? 'Interior Ministers Meet' : '',
    texts.longSaudi(i) ? `${longHead} من السعودية` : texts.longQatar(i) ? `${longHead} من قطر` : '',
    // Values whose pattern characters must stand for themselves, and titles they would otherwise match.
    ['', '', '', '', 'خصم 50%', 'خصم 50x', '', 'ملف a_b', 'ملف axb', ''][i % 10],
    ['', '', '', 'مسار c\\d', 'مسار cd', ''][i % 6],
    String(i),
  ]
    .filter((part) => part !== '')
    .join(' ');
  const body = [
    texts.interior(i) ? ['أعلنت وزارة الداخلية', 'أعلنت وِزارةُ الدّاخِلِيّةِ', 'أعلنت وزارة الداخليه'][(i / 3) % 3]! : 'نص',
    texts.visit(i) ? 'زيارة رسمية للوفد' : '',
    texts.apart(i) ? 'كانت رسمية تلك الزيارة' : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return {
    id: `a${String(i).padStart(2, '0')}`,
    slug: `مقال-${i}`,
    title,
    language: texts.english(i) ? 'en' : 'ar',
    summary: null,
    body: [{ type: 'paragraph', text: body }],
    source: null,
    published_at: i % 9 === 0 ? null : at(((i * 11) % 28) + 1),
    status: i % 6 === 5 ? 'draft' : 'published',
    version: 1,
    created_at: at(1),
    updated_at: at(1),
  };
}
const rows = Array.from({ length: 40 }, (_, i) => article(i));

/** The articles, and their entries written by the indexer in one write (the same document numbers on both engines). */
async function indexed(engine: Engine, articleRows: Article[]) {
  await engine.insert(articles, articleRows);
  await engine.write(async (tx) => {
    for (const row of articleRows) await indexRecord(tx, 'articles', { ...row, body_text: row.body.map((block) => block.text).join('\n\n') });
  });
}

/** SQLite's order (NULL lowest; these titles compare alike by code point and UTF-16 unit), the id last in the last key's direction. */
function inOrder(selected: Article[], sort: SortKey[] = []): string[] {
  const keys = [...sort, { field: 'id', descending: sort.at(-1)?.descending ?? true }];
  const compare = (a: unknown, b: unknown) => (a === b ? 0 : a === null ? -1 : b === null ? 1 : (a as string) < (b as string) ? -1 : 1);
  return [...selected]
    .sort((a, b) => {
      for (const { field, descending } of keys) {
        const order = compare(a[field as keyof Article], b[field as keyof Article]);
        if (order !== 0) return descending ? -order : order;
      }
      return 0;
    })
    .map((row) => row.id);
}

const pagesOf = (ids: string[], limit: number) => Array.from({ length: Math.ceil(ids.length / limit) }, (_, n) => ids.slice(n * limit, (n + 1) * limit));

/** A query's expected ids and pages, for a token reader and for the public, through cursors, and the same when a page lists five matches at most (more are probed). */
async function sameLists(t: Test, engine: Engine, name: string, query: ListQuery, selected: (row: Article) => boolean, corpus = rows) {
  for (const [who, visibility, seen] of [
    ['a token reader', undefined, corpus.filter(selected)],
    ['the public', publicly, corpus.filter((row) => selected(row) && isPublic(row))],
  ] as const) {
    const expected = inOrder(seen, query.sort);
    const listed = await walkArticles(t, engine, query, visibility);
    t.strictSame(listed.pages, pagesOf(expected, query.limit), `${name}, ${who}: ${expected.length} matches, in order, pages of ${query.limit}`);
    t.strictSame(listed.total, { value: expected.length, relation: 'eq' }, `${name}, ${who}: counted`);
    const probed = await walkArticles(t, engine, { ...query, count: false }, visibility, { examined: 5 });
    t.strictSame(probed.ids, expected, `${name}, ${who}: the same matches when at most five are listed and the rest probed`);
  }
}

const byTitle: SortKey[] = [{ field: 'title', descending: false }];

onBoth("a list's q= gives the same pages on both engines: a word, a prefix, a phrase, Arabic spelt otherwise, no match", async (t, engine) => {
  await indexed(engine, rows);
  const cases: Array<[string, (row: Article, i: number) => boolean]> = [
    // The long titles hold the ministry too.
    ['الداخلية', (_, i) => texts.interior(i) || texts.longSaudi(i) || texts.longQatar(i)],
    ['وِزارةُ الدّاخِلِيّةِ', (_, i) => texts.interior(i) || texts.longSaudi(i) || texts.longQatar(i)],
    ['الأمني', (_, i) => texts.security(i)],
    ['الامني', (_, i) => texts.security(i)],
    ['زيارة', (_, i) => texts.visit(i) || texts.apart(i)],
    ['زيارة رسمية', (_, i) => texts.visit(i) || texts.apart(i)],
    ['"زيارة رسمية"', (_, i) => texts.visit(i)],
    ['زيار*', (_, i) => texts.visit(i) || texts.apart(i)],
    ['MINISTERS', (_, i) => texts.english(i)],
    ['minist*', (_, i) => texts.english(i)],
    ['غائب', () => false],
  ];
  t.ok(cases.filter(([, selected]) => rows.filter((row, i) => selected(row, i)).length > 5).length >= 4, 'some queries match more than a probed page lists');
  for (const [q, selected] of cases) {
    const numbered = (row: Article) => selected(row, Number(row.id.slice(1)));
    await sameLists(t, engine, `q=${q}`, { limit: 3, extensions: { q } }, numbered);
    await sameLists(t, engine, `q=${q} by title`, { limit: 4, sort: byTitle, extensions: { q } }, numbered);
  }
});

onBoth("a list's q= of many common words requires the same terms on both engines", async (t, engine) => {
  const words = ['حديقة', 'مكتبة', 'قطار', 'سفينة', 'جبل'];
  // Past 200 records (commonTermRecords) a word is common: the first four are held by nine records in ten, the fifth,
  // the most common, by every record but the first, which holds the four: found only when the fifth is not required.
  const holds = (word: number, i: number) => (word < 4 ? i % 10 !== 9 : i !== 0);
  const many = Array.from({ length: 250 }, (_, i): Article => {
    const text = ['تقرير', ...words.filter((_, word) => holds(word, i))].join(' ');
    return { ...article(i), id: `m${String(i).padStart(3, '0')}`, slug: `كثير-${i}`, title: `كثير ${i}`, body: [{ type: 'paragraph', text }] };
  });
  await indexed(engine, many);
  const holdingTheFour = (row: Article) => [0, 1, 2, 3].every((word) => holds(word, Number(row.id.slice(1))));
  t.ok(!holds(4, 0) && holdingTheFour(many[0]!), 'the first record lacks the fifth word and holds the four');
  await sameLists(t, engine, 'five common words', { limit: 60, extensions: { q: words.join(' ') } }, holdingTheFour, many);
});

onBoth("a list's contains gives the same pages on both engines: Arabic and Latin, short and long values, pattern characters", async (t, engine) => {
  await indexed(engine, rows);
  const cases: Array<[Condition['field'], string]> = [
    ['title', 'الأمني'],
    ['title', 'التعاون'],
    ['title', 'ال'],
    ['title', 'Minis'],
    ['title', 'minis'],
    ['title', 'ers Me'],
    ['title', `${longHead} من السعودية`],
    ['title', `${longHead} من عمان`],
    ['title', '50%'],
    ['title', '%'],
    ['title', 'a_b'],
    ['title', '_'],
    ['title', 'c\\d'],
    ['title', '\\'],
    ['slug', 'مقال-1'],
    ['slug', '-3'],
  ];
  for (const [field, value] of cases) {
    const filters: Condition[] = [{ field, op: 'contains', value }];
    const holding = (row: Article) => (field === 'title' ? row.title : row.slug).includes(value);
    t.ok(rows.some(holding) || value.endsWith('عمان') || value === 'minis', `${field} ${value}: some title holds it, or none is meant to`);
    await sameLists(t, engine, `${field} contains ${value}`, { limit: 3, filters }, holding);
    await sameLists(t, engine, `${field} contains ${value} by title`, { limit: 4, sort: byTitle, filters }, holding);
  }
  // Each row read is tested for the whole value, which would hide a pattern character taken as a wildcard: the
  // index's own listing must hold exactly the titles that hold the value.
  const lookUp = articleList.substrings!.prepare({ statements: engine.statements, stamp: engine.stamp });
  for (const value of ['50%', 'a_b', 'c\\d']) {
    const listed = await lookUp(articles.title, value)!.matches(rows.length);
    t.strictSame(
      listed.sort(),
      rows.filter((row) => row.title.includes(value)).map((row) => row.id),
      `${value}: the index lists the titles holding it`,
    );
  }
});

/** An executor that keeps each statement run through it, with its values, to be explained. */
function recording(inner: StatementExecutor) {
  const runs: Array<{ query: Query<unknown>; bindings: Bindings }> = [];
  const executor: StatementExecutor = {
    dialect: inner.dialect,
    prepare(query, use) {
      const prepared = inner.prepare(query, use);
      const kept =
        <T>(run: (bindings?: Bindings) => T) =>
        (bindings: Bindings = {}) => {
          runs.push({ query, bindings });
          return run(bindings);
        };
      return { all: kept(prepared.all), get: kept(prepared.get), run: kept(prepared.run) };
    },
  };
  return { runs, executor };
}

onPostgres("a list's q= and contains read the GIN indexes, and a probe the row's own entry", async (t, engine) => {
  await indexed(engine, rows);
  const { runs, executor } = recording(engine.statements);
  const listing = createListing({ statements: executor, stamp: engine.stamp }, articles, articleList, undefined, { examined: 5 });
  await listing.page({ limit: 3, extensions: { q: 'زيارة رسمية' } });
  await listing.page({ limit: 3, extensions: { q: 'الداخلية' } });
  await listing.page({ limit: 3, filters: [{ field: 'title', op: 'contains', value: 'التعاون' }] });
  const client = await engine.postgres.pool.connect();
  t.teardown(() => client.release());
  // Beside the forty articles, 5,000 other documents holding other words, so that reading every entry costs what it
  // would; and the table scan forbidden, which shows whether the planner can use an index at all.
  await client.query(`insert into search_documents (doc_id, type, record_id) select 1000 + n, 'people', 'p' || n from generate_series(1, 5000) as n`);
  await client.query(
    `insert into search_index (rowid, type, title, title_stem, body, body_stem) select 1000 + n, 'people', 'اسم ' || n, 'اسم ' || n, 'سيره', 'سير' from generate_series(1, 5000) as n`,
  );
  await client.query(`insert into substring_index (rowid, slug, name) select 1000 + n, 'اسم-' || n, 'اسم ' || n from generate_series(1, 5000) as n`);
  await client.query('vacuum analyze');
  await client.query('set enable_seqscan = off');
  const rendering = new PgDialect();
  const plans = await Promise.all(
    runs.map(async ({ query, bindings }) => {
      const { sql: text, params } = rendering.sqlToQuery(query.getSQL());
      const { rows: lines } = await client.query<{ 'QUERY PLAN': string }>(`explain ${text}`, fillPlaceholders(params, bindings));
      return { text, plan: lines.map((line) => line['QUERY PLAN']).join('\n') };
    }),
  );
  const listings = plans.filter(({ text }) => /^select "search_documents"\."record_id" from "(search_index|substring_index)"/.test(text));
  t.equal(listings.length, 3, "each lookup's matches listed once");
  for (const { text, plan } of listings) {
    const index = text.includes('"substring_index"') ? 'substring_index_trigrams_idx' : 'search_index_vectors_idx';
    t.match(plan, new RegExp(`Bitmap Index Scan on ${index}`), `${text.slice(0, 60)}: from ${index}`);
  }
  // The substring listing is a named statement, which PostgreSQL may plan once for any value after five runs.
  const substrings = runs.find(({ query }) => rendering.sqlToQuery(query.getSQL()).sql.includes('from "substring_index"'))!;
  const { sql: text, params } = rendering.sqlToQuery(substrings.query.getSQL());
  await client.query(`prepare substrings as ${text}`);
  await client.query('set plan_cache_mode = force_generic_plan');
  const values = fillPlaceholders(params, substrings.bindings).map((value) => `'${String(value).replaceAll("'", "''")}'`);
  const generic = (await client.query<{ 'QUERY PLAN': string }>(`explain execute substrings(${values.join(', ')})`)).rows.map((line) => line['QUERY PLAN']).join('\n');
  t.match(generic, /Bitmap Index Scan on substring_index_trigrams_idx/, 'its generic plan too');
  const probing = plans.filter(({ text }) => text.includes('json_array_elements(') && text.includes('"search_index"."rowid" ='));
  t.ok(probing.length > 0, 'a page probed its rows against the terms bound as one list');
  for (const { plan } of probing) t.match(plan, /Index Scan using search_index_pkey/, "a probe reads the row's entry by its key");
});
