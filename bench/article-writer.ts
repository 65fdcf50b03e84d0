/**
 * The baseline's article writes on SQLite, on better-sqlite3 prepared statements (the rows: bench/article-rows.ts).
 * The raw insert writes the article and its link rows; the like-for-like write also writes every row khabar derives
 * from an article (its search rows, substring-index rows and mention rows). The parts are exposed so that
 * bench/derived-cost.ts can time each one.
 */
import type Sqlite from 'better-sqlite3';
import { sqliteStatements } from '../src/core/db/statements.js';
import { readNameIndex } from '../src/core/facts/index.js';
import type { NewMention } from '../src/core/facts/mentions.js';
import type { Article, ArticleInput } from '../src/core/resources/articles/schemas.js';
import { searchEntry } from '../src/core/search/indexer.js';
import { entryRow, inserts, linkNames, mentionRows, newArticle, substringRow } from './article-rows.js';

export async function articleWriter(sqlite: Sqlite.Database) {
  // Built once: the benchmark writes no people or organisations, so the names never change under it.
  const names = await readNameIndex(sqliteStatements(sqlite));
  const prepared = (text: (placeholder: (n: number) => string) => string) => sqlite.prepare(text(() => '?'));
  const insertArticle = prepared(inserts.article);
  const insertLink = Object.fromEntries(Object.entries(inserts.links).map(([table, text]) => [table, prepared(text)]));
  const insertDocument = prepared(inserts.document);
  const insertEntry = prepared(inserts.entry);
  const insertSubstring = prepared(inserts.substrings);
  const insertMention = prepared(inserts.mention);

  /** The article row and its link rows; the record as khabar answers it. */
  function insertRecord(input: ArticleInput): Article {
    const { record, row, links } = newArticle(input);
    insertArticle.run(row);
    for (const [table, values] of links) insertLink[table]!.run(values);
    return record;
  }

  /** The record's search document and its full-text row (words and stems); returns the document's rowid. */
  function insertSearchRows(record: Article, entry = searchEntry('articles', record)): number {
    const rowid = Number(insertDocument.run('articles', record.id).lastInsertRowid);
    insertEntry.run(entryRow(rowid, entry));
    return rowid;
  }

  const insertSubstrings = (rowid: number, record: Article) => insertSubstring.run(substringRow(rowid, record));

  function insertMentions(articleId: string, found: NewMention[]) {
    for (const values of mentionRows(articleId, found)) insertMention.run(values);
  }

  function likeForLike(input: ArticleInput): Article {
    const record = insertRecord(input);
    insertSubstrings(insertSearchRows(record), record);
    insertMentions(record.id, linkNames(names, record));
    return record;
  }

  return {
    /** The article and its link rows only, in one transaction. */
    raw: sqlite.transaction(insertRecord),
    /** Every row khabar writes for a new article, in one transaction. */
    likeForLike: sqlite.transaction(likeForLike),
    parts: { insertRecord, insertSearchRows, insertSubstrings, linkNames: (record: Article) => linkNames(names, record), insertMentions },
  };
}
