import { sql } from 'drizzle-orm';
import t from 'tap';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import type { Visibility } from '../../src/core/list/visibility.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { meetings } from '../../src/core/resources/meetings/table.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { people } from '../../src/core/resources/people/table.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { searchEntry } from '../../src/core/search/indexer.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { createSearch, type SearchResult } from '../../src/core/search/search.js';
import { snippetSourceLength } from '../../src/core/search/snippet.js';
import { type SearchType, searchTypes } from '../../src/core/search/sources.js';
import { searchDocuments, searchIndex } from '../../src/core/search/table.js';
import { type Engine, engines } from '../engines.js';
import { publicAt } from '../helper.js';

/*
 * Search on both engines through the same service (search.ts) over the same records, each engine with its own
 * index statements (FTS5's, PostgreSQL's): the records found, the pages a cursor walks, what the public sees and
 * the snippets. What each search should give is derived here from the records inserted; how records rank within a
 * query is each engine's own (BM25, ts_rank_cd), so a ranked answer is compared as a set, a newest-first one in order.
 */

const { onBoth, onPostgres } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const stamps = { version: 1, created_at: at, updated_at: at };
const paragraphs = (...texts: string[]) => texts.map((text) => ({ type: 'paragraph' as const, text }));
const unsearched = { language: 'ar', summary: null, source: null, ...stamps };
const article = (id: string, title: string, body: ReturnType<typeof paragraphs>, status: 'draft' | 'published', published_at: string | null) => ({
  ...unsearched,
  id,
  slug: `مقال-${id}`,
  title,
  body,
  status,
  published_at,
});
/** Many one-word blocks before the match: the start of the stored JSON holds too little text, so the body is read whole. */
const shortBlocks = paragraphs(...Array.from({ length: snippetSourceLength }, () => 'نص'));
const articleRows = [
  article('a1', 'وزير الداخلية يلتقي نظيره', paragraphs('بحث الوزيران التعاون الأمني.'), 'published', '2025-12-01T00:00:00.000Z'),
  article('a2', 'مسودة', paragraphs('خطة الداخلية الجديدة'), 'draft', null),
  article('a3', 'خبر مؤجل', paragraphs('تعلن الداخلية غدا'), 'published', '2027-01-01T00:00:00.000Z'),
  article('a4', 'تقرير', paragraphs('قالت وِزارةُ الدّاخِلِيّةِ إن الطرق آمنة'), 'published', '2025-11-01T00:00:00.000Z'),
  article('a5', 'تقرير طويل', [...paragraphs('أعلنت الداخلية'), ...shortBlocks], 'published', '2025-10-01T00:00:00.000Z'),
];
const personRow = { id: 'p1', slug: 'علي-العدواني', name: 'علي العدواني', honorific: null, position: 'وزير الداخلية', country: 'KW', aliases: [], ...stamps };
const organisationRow = { id: 'o1', slug: 'وزارة-الداخلية', name: 'وزارة الداخلية', kind: 'ministry' as const, country: 'KW', parent_id: null, aliases: [], ...stamps };
/** Meetings holding the word in their JSON lists only, which PostgreSQL reads from `json` for rows and snippets. */
const meetingBase = { status: 'held' as const, starts_at: null, date_text: null, summary: null, host_organisation_id: null, ...stamps };
const meetingRows = [
  { ...meetingBase, id: 'm1', slug: 'اجتماع-التنسيق', title: 'اجتماع التنسيق', topics: ['أمن الحدود', 'خطة وزارتي الداخلية'], outcomes: [], location: 'الرياض' },
  { ...meetingBase, id: 'm2', slug: 'لقاء-الكويت', title: 'لقاء الكويت', topics: [], outcomes: ['اتفاق بين وزارتي الدّاخليّة'], location: null },
];

/** Each record as the indexer reads it: an article's plain text is its blocks joined by blank lines. */
const indexed: Array<[SearchType, Record<string, unknown>]> = [
  ...articleRows.map((row): [SearchType, Record<string, unknown>] => ['articles', { ...row, body_text: row.body.map((block) => block.text).join('\n\n') }]),
  ['people', personRow],
  ['organisations', organisationRow],
  ...meetingRows.map((row): [SearchType, Record<string, unknown>] => ['meetings', row]),
];

const indexEntry = sql`insert into ${searchIndex} (rowid, type, title, title_stem, body, body_stem)
  values (${sql.placeholder('doc')}, ${sql.placeholder('type')}, ${sql.placeholder('title')}, ${sql.placeholder('title_stem')}, ${sql.placeholder('body')}, ${sql.placeholder('body_stem')})`;

/** The records, and their index entries in the order of `indexed` (entry n + 1 is the nth), through each engine's own tables. */
async function seeded(engine: Engine) {
  await engine.insert(articles, articleRows);
  await engine.insert(people, [personRow]);
  await engine.insert(organisations, [organisationRow]);
  await engine.insert(meetings, meetingRows);
  for (const [n, [type, row]] of indexed.entries()) {
    await engine.insert(searchDocuments, [{ doc_id: n + 1, type, record_id: row.id }]);
    await engine.statements.prepare(indexEntry).run({ doc: n + 1, ...searchEntry(type, row) });
  }
  const index = engine.postgres === null ? fts5Index : postgresIndex;
  return (options?: Parameters<typeof createSearch>[3]) => createSearch(engine.statements, index, () => 'unchanged', options);
}

const publicly: Visibility = publicAt('2026-06-01T00:00:00.000Z');
/** The records holding الداخلية (a4 with its diacritics), and those of them the public sees at `publicly.now`. */
const holding = ['a1', 'a2', 'a3', 'a4', 'a5', 'p1', 'o1', 'm1', 'm2'];
const seenByPublic = ['a1', 'a4', 'a5', 'p1', 'o1', 'm1', 'm2'];
/** Newest first is the index's entry order, reversed. */
const newestFirst = (ids: string[]) =>
  indexed
    .map(([, row]) => row.id as string)
    .filter((id) => ids.includes(id))
    .reverse();

/** Every page of a query, `limit` a page, following the cursors to the end. */
async function allPages(search: ReturnType<Awaited<ReturnType<typeof seeded>>>, q: string, limit: number, visibility?: Visibility) {
  const results: SearchResult[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await search.search({ q, types: searchTypes, limit, cursor, visibility });
    results.push(...page.results);
    cursor = page.nextCursor ?? undefined;
    pages++;
  } while (cursor !== undefined && pages < 20);
  return { results, pages };
}

onBoth('a ranked query pages to the end through its cursors, every record once, and the public sees no draft or embargoed article', async (t, engine) => {
  const search = (await seeded(engine))();
  for (const [visibility, expected] of [
    [undefined, holding],
    [publicly, seenByPublic],
  ] as const) {
    const who = visibility ? 'the public' : 'a token reader';
    const { results, pages } = await allPages(search, 'الداخليه', 2, visibility);
    const ids = results.map((result) => result.id);
    t.strictSame([...ids].sort(), [...expected].sort(), `${who}: every record holding the word, each once`);
    t.equal(pages, Math.ceil(expected.length / 2), `${who}: pages of two to the end`);
    t.ok(
      results.every((result) => typeof result.score === 'number'),
      `${who}: ranked`,
    );
    const whole = await search.search({ q: 'الداخليه', types: searchTypes, limit: 100, visibility });
    t.strictSame(
      ids,
      whole.results.map((result) => result.id),
      `${who}: the pages in the order of one page`,
    );
  }
  const firstPage = await search.search({ q: 'الداخليه', types: searchTypes, limit: 2 });
  await t.rejects(search.search({ q: 'التعاون', types: searchTypes, limit: 2, cursor: firstPage.nextCursor! }), { code: 'validation_failed' }, "another query's cursor is refused");
});

onBoth('a query too broad to rank pages newest first through its cursors', async (t, engine) => {
  const broad = (await seeded(engine))({ rankLimit: 3 });
  for (const [visibility, expected] of [
    [undefined, holding],
    [publicly, seenByPublic],
  ] as const) {
    const { results } = await allPages(broad, 'الداخلية', 2, visibility);
    t.strictSame(
      results.map((result) => [result.id, result.score]),
      newestFirst(expected).map((id) => [id, null]),
      `${visibility ? 'the public' : 'a token reader'}: newest first, unscored, each once`,
    );
  }
  const narrow = await broad.search({ q: 'العدواني', types: searchTypes, limit: 10 });
  t.strictSame(
    narrow.results.map((result) => [result.id, typeof result.score]),
    [['p1', 'number']],
    'a query with fewer matches is ranked',
  );
});

onBoth('a query whose terms more records hold together than the ranking budget answers newest first', async (t, engine) => {
  // Nine records hold الداخلية and two وزير (a1's title, p1's position): eleven postings; both words, a1 and p1.
  const search = await seeded(engine);
  const found = async (rankPostings: number) =>
    (await search({ rankPostings }).search({ q: 'الداخلية وزير', types: searchTypes, limit: 10 })).results.map((result) => [result.id, result.score === null ? 'newest' : 'ranked']);
  t.strictSame(
    await found(10),
    newestFirst(['a1', 'p1']).map((id) => [id, 'newest']),
    'over a budget of ten: newest first',
  );
  t.strictSame(
    (await found(11)).sort(),
    [
      ['a1', 'ranked'],
      ['p1', 'ranked'],
    ],
    'within eleven: ranked',
  );
});

onBoth("the public's probe counts only what it sees: drafts and embargoes do not make its query too broad to rank", async (t, engine) => {
  // Five records hold «الداخلية» for a token reader, of them a1, a4 and a5 for the public, with p1 and o1: types articles only.
  const search = (await seeded(engine))({ rankLimit: 4 });
  const scored = async (visibility?: Visibility) =>
    (await search.search({ q: 'الداخلية', types: ['articles'], limit: 10, visibility })).results.map((result) => [result.id, result.score === null ? 'newest' : 'ranked']);
  t.strictSame(
    await scored(),
    newestFirst(['a1', 'a2', 'a3', 'a4', 'a5']).map((id) => [id, 'newest']),
    'a token reader: five articles, a 4th match, newest first',
  );
  t.strictSame(
    (await scored(publicly)).map(([id, order]) => [id, order]).sort(),
    [
      ['a1', 'ranked'],
      ['a4', 'ranked'],
      ['a5', 'ranked'],
    ],
    'the public: three, ranked',
  );
});

onBoth('a snippet is the original text around the match, cut from the stored text, a long body read whole where its start holds too little', async (t, engine) => {
  const search = (await seeded(engine))();
  const { results } = await search.search({ q: 'الداخليه', types: searchTypes, limit: 100 });
  const texts = new Map(indexed.map(([, row]) => [row.id as string, row]));
  for (const result of results) {
    const { snippet } = result;
    const row = texts.get(result.id)!;
    // A plain field by its name, an item of a JSON list by its path (`topics.1`).
    const [key, item] = snippet.field.split('.');
    const value = row[key!];
    const field = Array.isArray(value) ? String(value[Number(item)]) : String(value);
    t.equal(field.slice(snippet.start, snippet.end), snippet.text, `${result.id}: the text at its offsets in ${snippet.field}`);
    t.ok(snippet.matches.length > 0, `${result.id}: a match`);
    for (const match of snippet.matches) t.match(snippet.text.slice(match.start, match.end), /^و?(ال)?د[\u064B-\u0652]*ا[\u064B-\u0652]*خ/u, `${result.id}: the match is the word as written`);
  }
  const byId = new Map(results.map((result) => [result.id, result]));
  t.equal(byId.get('a4')?.snippet.text, 'قالت وِزارةُ الدّاخِلِيّةِ إن الطرق آمنة', 'diacritics kept in the snippet');
  t.match(byId.get('a5')?.snippet, { field: 'body_text', start: 0, text: /^أعلنت الداخلية/u }, 'a body of many short blocks: its first block');
  t.match(byId.get('p1')?.snippet, { field: 'position', text: 'وزير الداخلية' }, "a person's position");
  t.match(byId.get('m1')?.snippet, { field: 'topics.1', text: 'خطة وزارتي الداخلية' }, "a meeting's topic, read from its JSON list");
  t.match(byId.get('m2')?.snippet, { field: 'outcomes.0', text: 'اتفاق بين وزارتي الدّاخليّة' }, "a meeting's outcome, diacritics kept");
  t.strictSame(
    [byId.get('a1')?.slug, byId.get('a1')?.title_or_name, byId.get('o1')?.title_or_name, byId.get('m2')?.slug, byId.get('m2')?.title_or_name],
    ['مقال-a1', 'وزير الداخلية يلتقي نظيره', 'وزارة الداخلية', 'لقاء-الكويت', 'لقاء الكويت'],
    'slug and label from the rows',
  );
});

onPostgres("a pooled connection keeps no statement of a query's terms, however many shapes it searched", async (t, engine) => {
  await seeded(engine);
  const client = await engine.postgres.pool.connect();
  t.teardown(() => client.release());
  // One connection, so that its session's prepared statements are all the searches left behind.
  const search = createSearch(postgresStatements(client), postgresIndex, () => 'unchanged', { rankLimit: 4, rankPostings: 8 });
  const queries = ['الداخلية', 'وزير الداخلية', 'الداخ*', 'وزير الداخ*', '"التعاون الأمني"', 'وزير نظيره الداخلية الطرق آمنة خطة', 'وزار* الداخلية العدواني', 'Interior', 'علي العدواني وزير'];
  for (const q of queries) {
    for (const types of [searchTypes, ['articles'] as const, ['people', 'organisations'] as const]) {
      for (const visibility of [undefined, publicly]) {
        const first = await search.search({ q, types: [...types], limit: 1, visibility });
        if (first.nextCursor) await search.search({ q, types: [...types], limit: 1, visibility, cursor: first.nextCursor });
      }
    }
  }
  const { rows } = await client.query<{ statement: string }>('select statement from pg_prepared_statements');
  t.ok(rows.length > 0, 'the fixed statements (the rows by id) are kept');
  t.strictSame(
    rows.filter((row) => row.statement.includes('to_tsquery')),
    [],
    'none of them reads a tsquery: each term-shaped statement ran unnamed',
  );
  // The rows by id: four types for two audiences, and an article's with its long body's start for two; the newest entry.
  t.ok(rows.length <= 4 * 2 + 2 + 1, `${rows.length} kept, no more than the fixed statements`);
});
