/**
 * What each structure khabar derives from an article costs to write, in µs per article: an in-process
 * micro-benchmark that writes articles of the data set again (new slugs), one transaction each, with the
 * baseline's like-for-like writer, and times each part on its own. The first tenth warms up and is not counted.
 * FTS5 keeps a transaction's new terms in memory and writes them (and merges segments) when the transaction
 * commits, or when a savepoint opens: one opened after each index's insert charges that write to the index.
 */
import Sqlite from 'better-sqlite3';
import type { ArticleInput } from '../src/core/resources/articles/schemas.js';
import { readFields } from '../src/core/search/fields.js';
import { searchEntry, searchWords, stemsOf } from '../src/core/search/indexer.js';
import { searchSources } from '../src/core/search/sources.js';
import { articleWriter } from './article-writer.js';

const parts = [
  'article and link rows',
  'search words (normalised)',
  'stems',
  'search index rows',
  'trigrams (substring index rows)',
  'linking (finding names)',
  'mention rows',
  'commit (pages to the WAL, checkpoints)',
] as const;
type Part = (typeof parts)[number];

interface StoredArticle {
  slug: string;
  title: string;
  language: string;
  summary: string | null;
  body: string;
  source: string | null;
  published_at: string | null;
  person_ids: string;
  organisation_ids: string;
  meeting_ids: string;
}

const subjectIds = (table: string) => `(select json_group_array(subject_id) from (select subject_id from ${table} where article_id = a.id order by position))`;

function storedArticles(sqlite: Sqlite.Database, count: number): ArticleInput[] {
  const rows = sqlite
    .prepare<[number], StoredArticle>(
      `select slug, title, language, summary, body, source, published_at, ${subjectIds('article_people')} as person_ids, ${subjectIds('article_organisations')} as organisation_ids, ${subjectIds('article_meetings')} as meeting_ids from articles as a order by rowid limit ?`,
    )
    .all(count);
  return rows.map((row) => ({
    ...row,
    body: JSON.parse(row.body),
    person_ids: JSON.parse(row.person_ids),
    organisation_ids: JSON.parse(row.organisation_ids),
    meeting_ids: JSON.parse(row.meeting_ids),
  }));
}

export async function derivedCosts(file: string, count: number): Promise<Array<{ part: Part; micros: number }>> {
  const sqlite = new Sqlite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const writer = (await articleWriter(sqlite)).parts;
  const source = searchSources.articles;
  const inputs = storedArticles(sqlite, count);
  const warmUp = Math.floor(inputs.length / 10);
  const spent = new Map<Part, number>(parts.map((part) => [part, 0]));
  const flushed = <T>(name: string, run: () => T): T => {
    const result = run();
    sqlite.exec(`savepoint ${name}`);
    return result;
  };
  inputs.forEach((input, i) => {
    const time = <T>(part: Part, run: () => T): T => {
      const started = performance.now();
      const result = run();
      if (i >= warmUp) spent.set(part, spent.get(part)! + performance.now() - started);
      return result;
    };
    sqlite.exec('begin');
    const record = time('article and link rows', () => writer.insertRecord({ ...input, slug: `${input.slug}-كلفة-${i}` }));
    const words = time('search words (normalised)', () => [searchWords(readFields(source.title, record)), searchWords(readFields(source.body, record))]);
    time('stems', () => words.map(stemsOf));
    const entry = searchEntry('articles', record);
    const doc = time('search index rows', () => flushed('search', () => writer.insertSearchRows(record, entry)));
    time('trigrams (substring index rows)', () => flushed('trigrams', () => writer.insertSubstrings(doc, record)));
    const found = time('linking (finding names)', () => writer.linkNames(record));
    time('mention rows', () => writer.insertMentions(record.id, found));
    time('commit (pages to the WAL, checkpoints)', () => sqlite.exec('commit'));
  });
  sqlite.close();
  const counted = Math.max(1, inputs.length - warmUp);
  return parts.map((part) => ({ part, micros: (spent.get(part)! * 1000) / counted }));
}

export function derivedCostTable(costs: Array<{ part: string; micros: number }>): string[][] {
  const total = costs.reduce((sum, cost) => sum + cost.micros, 0);
  return [['part of an article write', 'µs per article'], ...costs.map((cost) => [cost.part, cost.micros.toFixed(0)]), ['all', total.toFixed(0)]];
}
