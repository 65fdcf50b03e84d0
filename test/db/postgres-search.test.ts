import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { openPostgres } from '../../src/core/db/postgres.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { sqliteStatements } from '../../src/core/db/statements.js';
import { fts5Terms } from '../../src/core/search/fts5-terms.js';
import { searchEntry, substringValues } from '../../src/core/search/indexer.js';
import { postgresMatch, tsqueryLexeme } from '../../src/core/search/postgres-query.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { matchExpression, parseQuery, searchedTerms } from '../../src/core/search/query.js';
import { requiredTermsOn } from '../../src/core/search/required-terms.js';
import type { SearchType } from '../../src/core/search/sources.js';
import { substringColumns } from '../../src/core/search/substrings.js';
import { searchIndex } from '../../src/core/search/table.js';
import { failOnIdleError, startPostgres } from '../postgres.js';

/*
 * Search's schema on PostgreSQL (migrations/postgres/0001_pgengine_search.sql) against FTS5 on SQLite: the same
 * records indexed on both through the core's analysis (searchEntry, substringValues, as the indexer writes them),
 * then the same queries, with SQLite's answer as the oracle; and the plans PostgreSQL can choose.
 */

const records: [SearchType, Record<string, unknown>][] = [
  ['articles', { id: 'a1', slug: 'لقاء-الوزيرين', title: 'وزير الداخلية الكويتي يلتقي نظيره السعودي', body_text: 'بحث الوزيران التعاون الأمني بين البلدين', language: 'ar' }],
  ['articles', { id: 'a2', slug: 'خطة-المرور', title: 'الدَّاخِلِيَّة تعلن خطة المرور', body_text: 'أعلنت الوزارة خطة جديدة للطرق', language: 'ar' }],
  ['articles', { id: 'a3', slug: 'interior-ministers', title: 'Interior ministers meet', body_text: 'Security cooperation between the two ministries', language: 'en' }],
  ['people', { id: 'p1', slug: 'علي-العدواني', name: 'علي العدواني', aliases: ['الشيخ علي'], position: 'وزير الداخليه', country: 'KW' }],
  ['organisations', { id: 'o1', slug: 'وزارة-الداخلية', name: 'وزارة الداخلية', aliases: ['الداخلية السعودية'], country: 'SA' }],
  ['meetings', { id: 'm1', slug: 'اجتماع-الرياض', title: 'اجتماع التعاون الأمني', summary: 'لقاء في الرياض', topics: ['الأمن'], outcomes: [], location: 'الرياض' }],
];

const sqlite = openDatabase('file::memory:');
t.teardown(() => sqlite.close());
const postgres = await openPostgres(await startPostgres(t), { max: 2, statementTimeoutMs: 5000, lockTimeoutMs: 5000, onIdleError: failOnIdleError(t) });
t.teardown(() => postgres.close());

/** An insert of one row into either engine: `?` for SQLite, `$n` for PostgreSQL. */
const insert = (table: string, row: Record<string, unknown>, placeholder: (n: number) => string) =>
  `insert into ${table} (${Object.keys(row).join(', ')}) values (${Object.keys(row)
    .map((_, n) => placeholder(n + 1))
    .join(', ')})`;

for (const [n, [type, row]] of records.entries()) {
  const rows = {
    search_documents: { doc_id: n + 1, type, record_id: row.id },
    search_index: { rowid: n + 1, ...searchEntry(type, row) },
    substring_index: { rowid: n + 1, ...substringValues(row) },
  };
  for (const [table, values] of Object.entries(rows)) {
    sqlite.sqlite.prepare(insert(table, values, () => '?')).run(...Object.values(values));
    await postgres.pool.query(
      insert(table, values, (n) => `$${n}`),
      Object.values(values),
    );
  }
}

const sqliteFinds = (match: string) =>
  sqlite.sqlite.prepare('select d.record_id from search_index join search_documents d on d.doc_id = search_index.rowid where search_index match ? order by d.record_id').pluck().all(match) as string[];

async function postgresFinds(match: SQL): Promise<string[]> {
  const { rows } = await postgres.db.execute<{ record_id: string }>(
    sql`select d.record_id from search_index join search_documents d on d.doc_id = search_index.rowid where ${match} order by d.record_id`,
  );
  return rows.map((row) => row.record_id);
}

t.test('the search table has the columns the indexer writes, and a vector of each', async (t) => {
  const { rows } = await postgres.pool.query<{ table: string; column: string }>(
    "select table_name as table, column_name as column from information_schema.columns where table_name in ('search_index', 'substring_index') order by table_name, ordinal_position",
  );
  const columnsOf = (table: string) => rows.filter((row) => row.table === table).map((row) => row.column);
  t.strictSame(columnsOf('search_index'), [...Object.keys(getTableColumns(searchIndex)), 'title_words', 'title_stems', 'body_words', 'body_stems']);
  t.strictSame(columnsOf('substring_index'), ['rowid', ...substringColumns]);
});

t.test('a word, a prefix, two words and a phrase, within some types or all, find on PostgreSQL the records FTS5 finds on SQLite', async (t) => {
  const queries: [string, SearchType[] | null][] = [
    ['الداخليه', null],
    ['الداخ*', null],
    ['وزير الداخلية', null],
    ['الداخلية التعاون', null],
    ['"التعاون الامني"', null],
    ['interior', null],
    ['ministers', null],
    ['ministr*', null],
    ['between', null],
    ['مرور', null],
    ['الداخليه', ['people', 'organisations']],
    ['"التعاون الامني"', ['meetings']],
  ];
  for (const [q, types] of queries) {
    const terms = parseQuery(q);
    const expected = sqliteFinds(matchExpression(terms, types)!);
    t.ok(expected.length > 0 && expected.length < records.length, `${q} in ${types ?? 'all types'}: SQLite finds some records, not all (${expected.join(' ')})`);
    t.strictSame(await postgresFinds(postgresMatch(terms, types)!), expected, `${q} in ${types ?? 'all types'}: PostgreSQL finds the same`);
  }
});

t.test('a quoted lexeme is text: what a word holds never becomes a tsquery operator', async (t) => {
  for (const word of ["a' | 'b", 'a | b', 'a & !b', "a\\' | 'b", 'a:* <-> b']) {
    const { rows } = await postgres.pool.query<{ itself: boolean; part: boolean }>(
      "select to_tsvector('simple', $1) @@ to_tsquery('simple', $2) as itself, to_tsvector('simple', 'b') @@ to_tsquery('simple', $2) as part",
      [word, tsqueryLexeme(word)],
    );
    t.strictSame(rows, [{ itself: true, part: false }], `${word}: matches its own text, not a text holding only part of it`);
  }
});

t.test('a long query requires the terms SQLite requires: its rare ones and the rarest few of its common ones', async (t) => {
  const q = 'الداخلية التعاون الامني وزير السعودي';
  const terms = searchedTerms(parseQuery(q));
  for (const options of [{}, { commonRecords: 1, commonRequired: 2 }, { commonRecords: 1, commonRequired: 4 }]) {
    const required = await requiredTermsOn(sqliteStatements(sqlite.sqlite), fts5Terms, () => 'unchanged', options)(terms);
    const expected = sqliteFinds(matchExpression(required, null)!);
    const chosen = await requiredTermsOn(postgresStatements(postgres.pool), postgresIndex, () => 'unchanged', options)(terms);
    t.strictSame(chosen, required, `${JSON.stringify(options)}: ${required.length} of ${terms.length} terms required on both`);
    t.strictSame(await postgresFinds(postgresMatch(chosen, null)!), expected, `finding ${expected.join(' ') || 'nothing'} on both`);
  }
});

t.test('deleting a document deletes its entries', async (t) => {
  const client = await postgres.pool.connect();
  t.teardown(() => client.release());
  await client.query('begin');
  t.teardown(() => client.query('rollback'));
  await client.query("delete from search_documents where record_id = 'a1'");
  const { rows } = await client.query('select (select count(*) from search_index) as words, (select count(*) from substring_index) as substrings');
  t.strictSame(rows, [{ words: records.length - 1, substrings: records.length - 1 }]);
});

t.test('contains: like on the substring table finds what the trigram index finds on SQLite', async (t) => {
  for (const [column, value] of [
    ['name', 'داخلي'],
    ['slug', 'العدوان'],
    ['title', 'ministers'],
    ['title', 'تعاون'],
  ] as const) {
    const expected = sqlite.sqlite
      .prepare('select d.record_id from substring_index join search_documents d on d.doc_id = substring_index.rowid where substring_index match ? order by d.record_id')
      .pluck()
      .all(`${column} : "${value}"`);
    t.ok(expected.length > 0, `${column} holding ${value}: SQLite finds ${expected.join(' ')}`);
    const { rows } = await postgres.pool.query<{ record_id: string }>(
      `select d.record_id from substring_index join search_documents d on d.doc_id = substring_index.rowid where ${column} like '%' || $1 || '%' order by d.record_id`,
      [value],
    );
    t.strictSame(
      rows.map((row) => row.record_id),
      expected,
      `${column} holding ${value}: PostgreSQL finds the same`,
    );
  }
});

t.test('PostgreSQL can answer the built conditions and a substring from the GIN indexes', async (t) => {
  const client = await postgres.pool.connect();
  t.teardown(() => client.release(true));
  // Six rows are read fastest without an index: forbidding the table scan shows whether the planner can use one.
  await client.query('set enable_seqscan = off');
  const plan = async (statement: string, values: string[]) => (await client.query<{ 'QUERY PLAN': string }>(`explain ${statement}`, values)).rows.map((row) => row['QUERY PLAN']).join('\n');
  for (const [q, types] of [
    ['الداخ*', null],
    ['وزير الداخلية', null],
    ['"التعاون الامني"', ['meetings']],
  ] as const) {
    const { sql: statement, params } = new PgDialect().sqlToQuery(sql`select rowid from search_index where ${postgresMatch(parseQuery(q), types)}`);
    const query = await plan(statement, params.map(String));
    t.match(query, /Bitmap Index Scan on search_index_vectors_idx/, `${q}: from the full-text index`);
    t.notMatch(query, /Seq Scan/, `${q}: without reading the table`);
  }
  const substring = await plan("select rowid from substring_index where name like '%' || $1 || '%'", ['داخلي']);
  t.match(substring, /Bitmap Index Scan on substring_index_trigrams_idx/, 'a substring');
  // pg_trgm counts only letters and digits as parts of trigrams: Arabic letters must be among them, or every value would be read.
  const { rows } = await client.query<{ trigrams: number }>("select array_length(show_trgm('داخلي'), 1) as trigrams");
  t.ok((rows[0]?.trigrams ?? 0) >= 3, 'an Arabic value has trigrams to look up');
});
