/**
 * The PostgreSQL baseline's article writes, on node-postgres named prepared statements: the same rows as
 * bench/article-writer.ts writes on SQLite (bench/article-rows.ts), in one transaction on one pooled connection.
 */
import type pg from 'pg';
import { postgresStatements } from '../src/core/db/postgres-statements.js';
import { readNameIndex } from '../src/core/facts/index.js';
import type { Article, ArticleInput } from '../src/core/resources/articles/schemas.js';
import { searchEntry } from '../src/core/search/indexer.js';
import { entryRow, inserts, linkNames, mentionRows, newArticle, substringRow } from './article-rows.js';

type Insert = (placeholder: (n: number) => string) => string;

export async function postgresArticleWriter(pool: pg.Pool) {
  // Built once: the benchmark writes no people or organisations, so the names never change under it.
  const names = await readNameIndex(postgresStatements(pool));
  /** A statement prepared once per pooled connection, by name; run with its values. */
  const prepared = (name: string, text: Insert, returning = '') => {
    const query = { name, text: text((n) => `$${n}`) + returning };
    return (client: pg.PoolClient, values: unknown[]) => client.query({ ...query, values });
  };
  const insertArticle = prepared('insert_article', inserts.article);
  const insertLink = Object.fromEntries(Object.entries(inserts.links).map(([table, text]) => [table, prepared(`insert_${table}`, text)]));
  const insertDocument = prepared('insert_document', inserts.document, ' returning doc_id');
  const insertEntry = prepared('insert_entry', inserts.entry);
  const insertSubstrings = prepared('insert_substrings', inserts.substrings);
  const insertMention = prepared('insert_mention', inserts.mention);

  /** `write` in one transaction on a pooled connection; its record. */
  const transaction = (write: (client: pg.PoolClient, input: ArticleInput) => Promise<Article>) => async (input: ArticleInput) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const record = await write(client, input);
      await client.query('commit');
      return record;
    } catch (error) {
      await client.query('rollback');
      throw error;
    } finally {
      client.release();
    }
  };

  async function insertRecord(client: pg.PoolClient, input: ArticleInput): Promise<Article> {
    const { record, row, links } = newArticle(input);
    await insertArticle(client, row);
    for (const [table, values] of links) await insertLink[table]!(client, values);
    return record;
  }

  async function likeForLike(client: pg.PoolClient, input: ArticleInput): Promise<Article> {
    const record = await insertRecord(client, input);
    const rowid = Number((await insertDocument(client, ['articles', record.id])).rows[0].doc_id);
    await insertEntry(client, entryRow(rowid, searchEntry('articles', record)));
    await insertSubstrings(client, substringRow(rowid, record));
    for (const values of mentionRows(record.id, linkNames(names, record))) await insertMention(client, values);
    return record;
  }

  return {
    /** The article and its link rows only, in one transaction. */
    raw: transaction(insertRecord),
    /** Every row khabar writes for a new article, in one transaction. */
    likeForLike: transaction(likeForLike),
  };
}
