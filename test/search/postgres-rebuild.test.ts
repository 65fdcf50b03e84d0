import { sql } from 'drizzle-orm';
import t from 'tap';
import { createRepositories } from '../../src/core/resources/index.js';
import { rebuildIndex } from '../../src/core/search/indexer.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { loadSyntheticData } from '../../src/core/seed/synthetic.js';
import { engines } from '../engines.js';

/*
 * PostgreSQL's rebuild writes a batch of records to a statement (`indexMany`: the texts bound as arrays); without it
 * the rebuild indexes record by record, as a write does (`indexRecord`). Both are run on the same records and must
 * leave the same rows: the documents numbered in the same order, every entry's texts and stored tsvectors, every
 * substring column.
 */

const { onPostgres } = engines(t);

/** Every document with its two entries, in key order, the key given as its place in that order (the sequence moves on between rebuilds). */
const indexRows = sql<Record<string, unknown>>`
  select d.type, d.record_id, i.type as entry_type, i.title, i.title_stem, i.body, i.body_stem,
    i.title_words::text as title_words, i.title_stems::text as title_stems, i.body_words::text as body_words, i.body_stems::text as body_stems,
    s.slug, s.title as substring_title, s.name, s.language, s.country
  from search_documents d left join search_index i on i.rowid = d.doc_id left join substring_index s on s.rowid = d.doc_id
  order by d.doc_id`;

onPostgres('a batched rebuild leaves the rows a rebuild record by record leaves', async (t, engine) => {
  const repositories = createRepositories();
  const loading = { reads: engine.statements, write: <T>(body: Parameters<typeof engine.write<T>>[0]) => engine.write(body), index: postgresIndex, repositories };
  await loadSyntheticData(loading, { articles: 30, people: 12, organisations: 9, meetings: 8, seed: 7 }, []);
  // Texts that an array's literal must quote: quotes, a backslash, braces, a comma, the word NULL.
  await engine.write((tx) => repositories.organisations.create(tx, { slug: 'رموز', name: 'لجنة "الرموز" \\ {أ,ب} NULL', kind: 'committee', aliases: ['NULL', ''] }));

  await engine.write((tx) => rebuildIndex(tx, { emptied: postgresIndex.emptied }));
  const recordByRecord = await engine.statements.prepare(indexRows).all();
  t.equal(recordByRecord.length, 30 + 12 + 10 + 8, 'a document per record');
  t.ok(
    recordByRecord.every((row) => row.entry_type === row.type && row.slug !== null),
    'each with its entry and its substrings',
  );

  // Batches of 7: several per type, the last one short.
  const counts = await engine.write((tx) => rebuildIndex(tx, postgresIndex, 7));
  t.same(counts, { articles: 30, people: 12, organisations: 10, meetings: 8 }, 'the records of each type');
  t.same(await engine.statements.prepare(indexRows).all(), recordByRecord, 'the same rows, documents numbered in the same order');
});
