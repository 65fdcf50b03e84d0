/**
 * The rows the baselines' like-for-like write makes for a new article, engine aside: the insert statements' tables
 * and columns, and each row's values, derived with khabar's own core functions (the search indexer's `searchEntry`
 * and `substringValues`, entity linking's `linkMentions`). bench/article-writer.ts runs them on SQLite,
 * bench/article-writer-postgres.ts on PostgreSQL, each with its placeholders.
 */
import { uuidv7 } from 'uuidv7';
import { entityColumnValues } from '../src/core/facts/entities.js';
import { articleTexts, linkMentions, type readNameIndex } from '../src/core/facts/index.js';
import type { NewMention } from '../src/core/facts/mentions.js';
import { plainText } from '../src/core/resources/articles/repository.js';
import type { Article, ArticleInput } from '../src/core/resources/articles/schemas.js';
import { type searchEntry, substringValues } from '../src/core/search/indexer.js';
import { substringColumns } from '../src/core/search/substrings.js';
import { linkTables } from './baseline-shape.js';

export type LinkTable = (typeof linkTables)[number][0];
export type NameIndex = Awaited<ReturnType<typeof readNameIndex>>;

const articleColumns = ['id', 'slug', 'version', 'created_at', 'updated_at', 'title', 'language', 'summary', 'body', 'source', 'published_at'];
const mentionColumns = ['article_id', 'part', 'start', 'end', 'text', 'person_id', 'organisation_id', 'meeting_id', 'origin'];

/** An insert of one row into `table`, its values bound in `columns`' order; `placeholder(n)` is the engine's n-th (from 1). */
const insert = (table: string, columns: string[]) => (placeholder: (n: number) => string) =>
  `insert into ${table} (${columns.map((column) => `"${column}"`).join(', ')}) values (${columns.map((_, i) => placeholder(i + 1)).join(', ')})`;

/** Every insert the like-for-like write makes; a search document's insert leaves its key (`doc_id`) to be read back. */
export const inserts = {
  article: insert('articles', articleColumns),
  links: Object.fromEntries(linkTables.map(([table]) => [table, insert(table, ['article_id', 'position', 'subject_id'])])) as Record<LinkTable, ReturnType<typeof insert>>,
  document: insert('search_documents', ['type', 'record_id']),
  entry: insert('search_index', ['rowid', 'type', 'title', 'title_stem', 'body', 'body_stem']),
  substrings: insert('substring_index', ['rowid', ...substringColumns]),
  mention: insert('mentions', mentionColumns),
};

/** A new article as khabar answers it (keys in its schema's order), with its row's and its link rows' values. */
export function newArticle(input: ArticleInput): { record: Article; row: unknown[]; links: Array<[LinkTable, unknown[]]> } {
  const id = uuidv7();
  const at = new Date().toISOString();
  const record: Article = {
    id,
    slug: input.slug,
    version: 1,
    created_at: at,
    updated_at: at,
    title: input.title,
    language: input.language,
    summary: input.summary ?? null,
    body: input.body,
    body_text: plainText(input.body),
    source: input.source ?? null,
    published_at: input.published_at ?? null,
    // The column's default: the insert leaves it out.
    status: 'published',
    person_ids: input.person_ids ?? [],
    organisation_ids: input.organisation_ids ?? [],
    meeting_ids: input.meeting_ids ?? [],
  };
  const row = [id, input.slug, 1, at, at, input.title, input.language, record.summary, JSON.stringify(input.body), record.source, record.published_at];
  const links = linkTables.flatMap(([table, key]) => record[key].map((subject, position): [LinkTable, unknown[]] => [table, [id, position, subject]]));
  return { record, row, links };
}

/** The values of a search document's full-text row: its words and stems, from the search indexer's entry. */
export const entryRow = (rowid: number, entry: ReturnType<typeof searchEntry>): unknown[] => [rowid, entry.type, entry.title, entry.title_stem, entry.body, entry.body_stem];

/** The values of a search document's substring-index row. */
export function substringRow(rowid: number, record: Article): unknown[] {
  const values = substringValues(record);
  return [rowid, ...substringColumns.map((name) => values[name])];
}

/** The names the article's texts mention, found with the name index of every person and organisation. */
export const linkNames = (names: NameIndex, record: Article): NewMention[] => linkMentions(names, articleTexts(record));

/** The mention rows' values. */
export const mentionRows = (articleId: string, found: NewMention[]): unknown[][] =>
  found.map(({ part, start, end, text, entity }) => {
    const entityColumns = entityColumnValues(entity);
    return [articleId, part, start, end, text, entityColumns.person_id, entityColumns.organisation_id, entityColumns.meeting_id, 'auto'];
  });
