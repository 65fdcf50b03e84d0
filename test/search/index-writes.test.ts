import { sql } from 'drizzle-orm';
import t from 'tap';
import type { Query, Statement, StatementExecutor } from '../../src/core/db/statements.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { people } from '../../src/core/resources/people/table.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { indexRecord, indexWrite, rebuildIndex, reindexRecord, unindexRecord } from '../../src/core/search/indexer.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { createSearch } from '../../src/core/search/search.js';
import type { SearchType } from '../../src/core/search/sources.js';
import { normaliseArabic } from '../../src/core/text/arabic.js';
import { stemArabic } from '../../src/core/text/stem.js';
import { type Engine, engines } from '../engines.js';

/*
 * The search index's writes (indexer.ts), one set of statements on both engines, run in a write's transaction: the
 * rows each leaves, read back per engine (PostgreSQL's columns; FTS5's contentless tables through fts5vocab, which
 * gives every token of a document's column at its position), against rows this test derives from the records' texts;
 * then the search service finds a record by a word, another word of its stem and a prefix, and the substring index
 * holds a part of its slug.
 */

const { onBoth } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const stamps = { version: 1, created_at: at, updated_at: at };
const articleRow = (title: string, text: string) => ({
  id: 'a1',
  slug: 'لقاء-الوزيرين',
  title,
  body: [{ type: 'paragraph' as const, text }],
  language: 'ar',
  summary: null,
  source: null,
  status: 'published' as const,
  published_at: '2025-12-01T00:00:00.000Z',
  ...stamps,
});
const personRow = { id: 'p1', slug: 'علي-العدواني', name: 'علي العدواني', honorific: null, position: 'وزير الداخلية', country: 'KW', aliases: ['الشيخ علي'], ...stamps };

/** A record as the indexer reads it: an article with its plain text. */
const asIndexed = (row: ReturnType<typeof articleRow>) => ({ ...row, body_text: row.body.map((block) => block.text).join('\n\n') });

const first = articleRow('وزير الداخلية يلتقي نظيره', 'بحث الوزيران التعاون الامني');

/** The words of texts (written here without punctuation) as the index holds them: normalised, one space between. */
const words = (...texts: string[]) => texts.flatMap((text) => normaliseArabic(text).split(' ')).join(' ');
const stems = (...texts: string[]) =>
  words(...texts)
    .split(' ')
    .map(stemArabic)
    .join(' ');
/** The entry of a record whose title and body fields hold these texts. */
const entry = (type: SearchType, title: string[], body: string[]) => ({ type, title: words(...title), title_stem: stems(...title), body: words(...body), body_stem: stems(...body) });

type Entry = ReturnType<typeof entry> & { doc: number };
type Substrings = { doc: number } & Record<'slug' | 'title' | 'name' | 'language' | 'country', string | null>;

const documentsQuery = sql<{ doc: number; type: string; id: string }>`select doc_id as doc, type, record_id as id from search_documents order by doc_id`;

/** FTS5's tokens of a contentless table, by document and column in position order (fts5vocab's `instance` rows). */
async function tokens(tx: StatementExecutor, table: 'search_index' | 'substring_index') {
  const vocabulary = sql.raw(`temp.${table}_tokens`);
  await tx.prepare(sql`create virtual table if not exists ${vocabulary} using fts5vocab(main, ${sql.raw(table)}, instance)`).run();
  const rows = await tx.prepare(sql<{ term: string; doc: number; col: string }>`select term, doc, col from ${vocabulary} order by doc, col, "offset"`).all();
  const columns = new Map<number, Record<string, string[]>>();
  for (const { term, doc, col } of rows) {
    const of = columns.get(doc) ?? {};
    of[col] = [...(of[col] ?? []), term];
    columns.set(doc, of);
  }
  return columns;
}

/** The index's rows on either engine: PostgreSQL's as stored; SQLite's rebuilt from FTS5's tokens (words, and trigrams overlapping by two). */
async function indexRows(engine: Engine): Promise<{ documents: { doc: number; type: string; id: string }[]; entries: Entry[]; substrings: Substrings[] }> {
  if (engine.postgres !== null) {
    const documents = await engine.statements.prepare(documentsQuery).all();
    const entries = await engine.statements.prepare(sql<Entry>`select rowid as doc, type, title, title_stem, body, body_stem from search_index order by rowid`).all();
    const substrings = await engine.statements.prepare(sql<Substrings>`select rowid as doc, slug, title, name, language, country from substring_index order by rowid`).all();
    // As FTS5's trigrams hold them: a value of fewer than three characters has none.
    return { documents, entries, substrings: substrings.map((row) => ({ ...row, ...trigramsHeld(row) })) };
  }
  return engine.write(async (tx) => {
    const documents = await tx.prepare(documentsQuery).all();
    const [wordTokens, trigrams] = [await tokens(tx, 'search_index'), await tokens(tx, 'substring_index')];
    const entries = [...wordTokens].map(([doc, of]) => ({
      doc,
      type: of.type!.join(' '),
      ...Object.fromEntries(['title', 'title_stem', 'body', 'body_stem'].map((column) => [column, (of[column] ?? []).join(' ')])),
    })) as Entry[];
    const text = (grams: string[] | undefined) =>
      grams
        ? grams[0] +
          grams
            .slice(1)
            .map((gram) => [...gram].at(-1))
            .join('')
        : null;
    // Every document's, and any row left behind by a removed one.
    const docs = [...new Set([...documents.map(({ doc }) => doc), ...trigrams.keys()])].sort((x, y) => x - y);
    const substrings = docs.map((doc) => {
      const of = trigrams.get(doc) ?? {};
      return { doc, slug: text(of.slug), title: text(of.title), name: text(of.name), language: text(of.language), country: text(of.country) };
    });
    return { documents, entries, substrings };
  });
}

const substringColumns = ['slug', 'title', 'name', 'language', 'country'] as const;
const trigramsHeld = (row: Substrings) => Object.fromEntries(substringColumns.map((column) => [column, row[column] !== null && [...row[column]].length >= 3 ? row[column] : null]));

/** An executor that counts the statements run through it. */
function counting(tx: StatementExecutor) {
  const run: Query<unknown>[] = [];
  const executor: StatementExecutor = {
    dialect: tx.dialect,
    prepare<Row>(query: Query<Row>): Statement<Row> {
      const prepared = tx.prepare(query);
      const counted = <T>(call: () => T) => {
        run.push(query);
        return call();
      };
      return {
        all: (bindings) => counted(() => prepared.all(bindings)),
        get: (bindings) => counted(() => prepared.get(bindings)),
        run: (bindings) => counted(() => prepared.run(bindings)),
      };
    },
  };
  return { executor, run };
}

const searchOn = (engine: Engine) => createSearch(engine.statements, engine.postgres === null ? fts5Index : postgresIndex, () => String(Math.random()));
const found = async (engine: Engine, q: string) => (await searchOn(engine).search({ q, types: ['articles', 'people'], limit: 10 })).results.map((result) => result.id).sort();

/** Whether the substring index finds `part` in a column of a record's entry, by the engine's own match. */
async function substringFinds(engine: Engine, column: 'slug' | 'name', part: string): Promise<string[]> {
  const match = engine.postgres === null ? sql`substring_index match ${`${column} : "${part}"`}` : sql`${sql.identifier(column)} like ${`%${part}%`}`;
  const rows = await engine.statements
    .prepare(sql<{ id: string }>`select d.record_id as id from substring_index join search_documents d on d.doc_id = substring_index.rowid where ${match} order by d.record_id`)
    .all();
  return rows.map((row) => row.id);
}

async function seeded(engine: Engine) {
  await engine.insert(articles, [first]);
  await engine.insert(people, [personRow]);
  await engine.write(async (tx) => {
    await indexRecord(tx, 'articles', asIndexed(first));
    await indexRecord(tx, 'people', personRow);
  });
}

onBoth('indexing a record writes its document, its entry and its substrings, and search then finds it', async (t, engine) => {
  await seeded(engine);
  const { documents, entries, substrings } = await indexRows(engine);
  t.strictSame(
    documents.map(({ type, id }) => [type, id]),
    [
      ['articles', 'a1'],
      ['people', 'p1'],
    ],
    'a document per record',
  );
  const [a1, p1] = documents.map(({ doc }) => doc) as [number, number];
  t.not(a1, p1, 'each its own key');
  t.strictSame(
    entries,
    [
      { doc: a1, ...entry('articles', [first.title], ['بحث الوزيران التعاون الامني']) },
      { doc: p1, ...entry('people', [personRow.name, ...personRow.aliases], [personRow.position]) },
    ],
    'the entries: title and body fields as normalised words and as stems, under the document',
  );
  t.strictSame(
    substrings,
    [
      { doc: a1, slug: first.slug, title: first.title, name: null, language: null, country: null },
      { doc: p1, slug: personRow.slug, title: null, name: personRow.name, language: null, country: null },
    ],
    'the substrings: the columns the record has, under the document (a two-letter value holds no trigram)',
  );
  t.strictSame(await found(engine, 'الداخليه'), ['a1', 'p1'], 'a word as written (folded) finds both');
  t.strictSame(await found(engine, 'الوزير'), ['a1', 'p1'], 'another word of the stem of وزير and الوزيران finds both');
  t.strictSame(await found(engine, 'نظير*'), ['a1'], 'a prefix finds the article');
  t.strictSame(await substringFinds(engine, 'slug', 'الوزير'), ['a1'], 'a part of the slug finds the article in the substring index');
  t.strictSame(await substringFinds(engine, 'name', 'لعدوا'), ['p1'], 'a part of the name finds the person');
});

onBoth('indexing a record is its document, its entry and its substrings: on PostgreSQL one statement', async (t, engine) => {
  await engine.insert(people, [personRow]);
  const run = await engine.write(async (tx) => {
    const counted = counting(tx);
    await indexRecord(counted.executor, 'people', personRow);
    return counted.run;
  });
  // SQLite reads the key after its insert (no RETURNING, which would flush an FTS5 segment per record); PostgreSQL writes all three rows by one `with`.
  t.equal(run.length, engine.postgres === null ? 4 : 1, `${run.length} statements`);
});

onBoth('re-indexing a replaced record rewrites its rows when an indexed text changed, and runs no statement when none did', async (t, engine) => {
  await seeded(engine);
  const before = await indexRows(engine);
  const unchanged = await engine.write(async (tx) => {
    const { executor, run } = counting(tx);
    await reindexRecord(executor, 'articles', { ...asIndexed(first), summary: 'ملخص جديد', version: 2 }, asIndexed(first));
    return run;
  });
  t.strictSame(unchanged, [], 'a summary changed: no statement');
  t.strictSame(await indexRows(engine), before, 'and the rows as they were');

  const retitled = articleRow('وزير الخارجية يزور الرياض', 'بحث الوزيران التعاون الامني');
  await engine.write((tx) => indexWrite(tx, 'articles', { kind: 'replace', record: asIndexed(retitled), previous: asIndexed(first), context: { writer: 'test' } }));
  const after = await indexRows(engine);
  const p1 = before.documents[1]!.doc;
  t.strictSame(
    after.documents.map(({ type, id }) => [type, id]).sort(),
    [
      ['articles', 'a1'],
      ['people', 'p1'],
    ],
    'still one document per record',
  );
  const a1 = after.documents.find((d) => d.id === 'a1')!.doc;
  t.strictSame(
    after.entries.find((row) => row.doc === a1),
    { doc: a1, ...entry('articles', [retitled.title], ['بحث الوزيران التعاون الامني']) },
    "the article's entry holds its new title",
  );
  t.strictSame(
    after.entries.find((row) => row.doc === p1),
    before.entries.find((row) => row.doc === p1),
    "the person's entry as it was",
  );
  t.equal(after.entries.length, 2, 'no entry left of the old title');
  t.strictSame(await found(engine, 'الخارجيه'), ['a1'], 'the new title finds it');
  t.strictSame(await found(engine, 'نظيره'), [], 'the old title no longer does');
});

onBoth('removing a record takes its document and both entries, and leaves the others', async (t, engine) => {
  await seeded(engine);
  const before = await indexRows(engine);
  await engine.write(async (tx) => {
    await unindexRecord(tx, 'articles', 'a1');
    await unindexRecord(tx, 'articles', 'a404');
  });
  const p1 = before.documents.find((d) => d.id === 'p1')!.doc;
  const keep = <Row extends { doc: number }>(rows: Row[]) => rows.filter((row) => row.doc === p1);
  t.strictSame(await indexRows(engine), { documents: keep(before.documents), entries: keep(before.entries), substrings: keep(before.substrings) }, "only the person's rows");
  t.strictSame(await found(engine, 'نظيره'), [], 'search no longer finds the article');
  t.strictSame(await substringFinds(engine, 'slug', 'الوزير'), [], 'nor does the substring index');
});

onBoth('a write that fails after indexing leaves no row of it', async (t, engine) => {
  await engine.insert(articles, [first]);
  await t.rejects(
    engine.write(async (tx) => {
      await indexRecord(tx, 'articles', asIndexed(first));
      throw new Error('the write fails');
    }),
    { message: 'the write fails' },
  );
  t.strictSame(await indexRows(engine), { documents: [], entries: [], substrings: [] }, 'no document, entry or substring');
});

onBoth("a rebuild empties the index and indexes every record again: a record written around it is found, a stale document's rows are gone", async (t, engine) => {
  await seeded(engine);
  const unindexed = { ...personRow, id: 'p2', slug: 'سعود-الفيصل', name: 'سعود الفيصل', aliases: [], position: 'وزير الخارجية' };
  await engine.insert(people, [unindexed]);
  await engine.write((tx) => indexRecord(tx, 'people', { ...personRow, id: 'gone', slug: 'قديم-جدا', name: 'اسم قديم', aliases: [] }));
  const counts = await engine.write((tx) => rebuildIndex(tx, engine.postgres === null ? fts5Index : postgresIndex));
  t.strictSame(counts, { articles: 1, people: 2, organisations: 0, meetings: 0 }, 'the records of each type');
  const { documents, entries, substrings } = await indexRows(engine);
  const docOf = (id: string) => documents.find((document) => document.id === id)?.doc ?? -1;
  t.strictSame(
    documents.map(({ type, id }) => [type, id]).sort(),
    [
      ['articles', 'a1'],
      ['people', 'p1'],
      ['people', 'p2'],
    ],
    'a document per record, none of the stale one',
  );
  const expected = [
    { doc: docOf('a1'), ...entry('articles', [first.title], ['بحث الوزيران التعاون الامني']) },
    { doc: docOf('p1'), ...entry('people', [personRow.name, ...personRow.aliases], [personRow.position]) },
    { doc: docOf('p2'), ...entry('people', [unindexed.name], [unindexed.position]) },
  ].sort((x, y) => x.doc - y.doc);
  t.strictSame(entries, expected, "the entries, the article's body read from its stored blocks");
  t.equal(substrings.length, 3, 'a substring row per record');
  t.strictSame(await found(engine, 'الفيصل'), ['p2'], 'the record written around the index is found');
  t.strictSame(await found(engine, 'قديم'), [], "the stale document's words are not");

  // Read a record at a time: every page past the last record read, each record indexed once.
  t.strictSame(await engine.write((tx) => rebuildIndex(tx, engine.postgres === null ? fts5Index : postgresIndex, 1)), counts, 'read a page of one at a time: the same counts');
  t.strictSame(
    (await indexRows(engine)).documents.map(({ type, id }) => [type, id]),
    [
      ['articles', 'a1'],
      ['people', 'p1'],
      ['people', 'p2'],
    ],
    'a document per record, once each, in key order within each type',
  );

  // A page of no records would never reach the end; the refusal comes before the index is emptied.
  for (const batch of [0, 0.5]) {
    await t.rejects(
      engine.write((tx) => rebuildIndex(tx, engine.postgres === null ? fts5Index : postgresIndex, batch)),
      RangeError,
      `a page of ${batch} records is refused`,
    );
  }
  t.strictSame(await found(engine, 'الفيصل'), ['p2'], 'the index is left as it was');
});
