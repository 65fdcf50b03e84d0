/**
 * The baseline's article writes, hand-written on better-sqlite3 prepared statements. The raw insert writes the
 * article and its link rows; the like-for-like write also writes every row khabar derives from an article (its
 * search rows, substring-index rows and mention rows), computed with khabar's own core functions. The parts
 * are exposed so that bench/derived-cost.ts can time each one.
 */
import type Sqlite from 'better-sqlite3';
import { uuidv7 } from 'uuidv7';
import { sqliteStatements } from '../src/core/db/statements.js';
import { entityColumnValues } from '../src/core/facts/entities.js';
import { articleTexts, linkMentions, readNameIndex } from '../src/core/facts/index.js';
import type { NewMention } from '../src/core/facts/mentions.js';
import { plainText } from '../src/core/resources/articles/repository.js';
import type { Article, ArticleInput } from '../src/core/resources/articles/schemas.js';
import { searchEntry, substringValues } from '../src/core/search/indexer.js';
import { substringColumns } from '../src/core/search/substrings.js';

const linkTables = [
  ['article_people', 'person_ids'],
  ['article_organisations', 'organisation_ids'],
  ['article_meetings', 'meeting_ids'],
] as const;

export async function articleWriter(sqlite: Sqlite.Database) {
  // Built once: the benchmark writes no people or organisations, so the names never change under it.
  const names = await readNameIndex(sqliteStatements(sqlite));
  const insertArticle = sqlite.prepare(
    'insert into articles (id, slug, version, created_at, updated_at, title, language, summary, body, source, published_at) values (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertLink = Object.fromEntries(linkTables.map(([table]) => [table, sqlite.prepare(`insert into ${table} (article_id, position, subject_id) values (?, ?, ?)`)]));
  const insertDocument = sqlite.prepare("insert into search_documents (type, record_id) values ('articles', ?)");
  const insertEntry = sqlite.prepare('insert into search_index (rowid, type, title, title_stem, body, body_stem) values (@rowid, @type, @title, @title_stem, @body, @body_stem)');
  const insertSubstring = sqlite.prepare(`insert into substring_index (rowid, ${substringColumns.join(', ')}) values (@rowid, ${substringColumns.map((name) => `@${name}`).join(', ')})`);
  const insertMention = sqlite.prepare(
    "insert into mentions (article_id, part, start, end, text, person_id, organisation_id, meeting_id, origin) values (@article_id, @part, @start, @end, @text, @person_id, @organisation_id, @meeting_id, 'auto')",
  );

  /** The article row and its link rows; the record as khabar answers it, keys in its schema's order. */
  function insertRecord(input: ArticleInput): Article {
    const id = uuidv7();
    const at = new Date().toISOString();
    const bodyText = plainText(input.body);
    insertArticle.run(id, input.slug, at, at, input.title, input.language, input.summary ?? null, JSON.stringify(input.body), input.source ?? null, input.published_at ?? null);
    for (const [table, key] of linkTables) {
      (input[key] ?? []).forEach((subject, position) => {
        insertLink[table]!.run(id, position, subject);
      });
    }
    return {
      id,
      slug: input.slug,
      version: 1,
      created_at: at,
      updated_at: at,
      title: input.title,
      language: input.language,
      summary: input.summary ?? null,
      body: input.body,
      body_text: bodyText,
      source: input.source ?? null,
      published_at: input.published_at ?? null,
      // The column's default: the insert above leaves it out.
      status: 'published',
      person_ids: input.person_ids ?? [],
      organisation_ids: input.organisation_ids ?? [],
      meeting_ids: input.meeting_ids ?? [],
    };
  }

  /** The record's search document and its full-text row (words and stems); returns the document's rowid. */
  function insertSearchRows(record: Article, entry = searchEntry('articles', record)): number {
    const rowid = Number(insertDocument.run(record.id).lastInsertRowid);
    insertEntry.run({ rowid, ...entry });
    return rowid;
  }

  const insertSubstrings = (rowid: number, record: Article) => insertSubstring.run({ rowid, ...substringValues(record) });

  const linkNames = (record: Article): NewMention[] => linkMentions(names, articleTexts(record));

  function insertMentions(articleId: string, found: NewMention[]) {
    for (const { part, start, end, text, entity } of found) insertMention.run({ article_id: articleId, part, start, end, text, ...entityColumnValues(entity) });
  }

  function likeForLike(input: ArticleInput): Article {
    const record = insertRecord(input);
    insertSubstrings(insertSearchRows(record), record);
    insertMentions(record.id, linkNames(record));
    return record;
  }

  return {
    /** The article and its link rows only, in one transaction. */
    raw: sqlite.transaction(insertRecord),
    /** Every row khabar writes for a new article, in one transaction. */
    likeForLike: sqlite.transaction(likeForLike),
    parts: { insertRecord, insertSearchRows, insertSubstrings, linkNames, insertMentions },
  };
}
