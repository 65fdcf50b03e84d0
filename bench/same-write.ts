/**
 * The like-for-like check of a write: the same article POSTed to both servers must get the same answer (ids,
 * times and slugs aside) and leave the same rows behind: its link rows, its search document with the same
 * token counts in both full-text indices (they are contentless: their text cannot be read back), and its
 * mention rows. On PostgreSQL the full-text row's words and stems can be read, and are compared themselves.
 */
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { ServerProcess } from './processes.js';
import { request } from './requests.js';
import { auth, log } from './settings.js';

const masked = (text: string) => text.replace(/"(id|created_at|updated_at|slug)":"[^"]*"/g, '"$1":""');

/** Every row the write of one article left, as JSON, without the article's id and slug. */
export type RowsOf = (id: string) => Promise<string>;

const linkRows = (table: string) => `select position, subject_id from ${table} where article_id = $1 order by position`;
const mentionRows = 'select part, start, "end", text, person_id, organisation_id, meeting_id, origin from mentions where article_id = $1 order by part, start';
const linkTables = ['article_people', 'article_organisations', 'article_meetings'];

/** The rows in the SQLite database file `file`. */
export const sqliteRowsOf =
  (file: string): RowsOf =>
  async (id) => {
    const db = new Sqlite(file, { readonly: true });
    try {
      const all = (text: string) => db.prepare(text.replace('$1', '?')).all(id);
      const documents = all(
        'select d.type, (select hex(sz) from search_index_docsize where id = d.doc_id) as words, (select hex(sz) from substring_index_docsize where id = d.doc_id) as trigrams from search_documents d where d.record_id = $1',
      );
      return JSON.stringify({ links: linkTables.map((table) => all(linkRows(table))), documents, mentions: all(mentionRows) });
    } finally {
      db.close();
    }
  };

/** The rows in the PostgreSQL database at `url`. */
export const postgresRowsOf =
  (url: string): RowsOf =>
  async (id) => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      const all = async (text: string) => (await client.query(text, [id])).rows;
      const documents = await all(
        'select d.type, s.title, s.title_stem, s.body, s.body_stem, length(x.slug) as slug_length, x.title as substring_title, x.name, x.language, x.country ' +
          'from search_documents d join search_index s on s.rowid = d.doc_id join substring_index x on x.rowid = d.doc_id where d.record_id = $1',
      );
      // One query at a time: a client queues a second, and node-postgres deprecates asking it to.
      const links = [];
      for (const table of linkTables) links.push(await all(linkRows(table)));
      return JSON.stringify({ links, documents, mentions: await all(mentionRows) });
    } finally {
      await client.end();
    }
  };

let writes = 0;

/**
 * POSTs one article to each server (at `paths`) and compares the answers and the rows each left in its
 * database (`rowsOf`): 'yes' or 'no' for each.
 */
export async function sameWrite(servers: [ServerProcess, ServerProcess], rowsOf: [RowsOf, RowsOf], paths: [string, string], body: Record<string, unknown>) {
  writes += 1;
  // Slugs of one length: the substring index holds the slug, and its token count is compared.
  const answers = await Promise.all(servers.map((server, i) => request(server, paths[i]!, { method: 'POST', headers: auth, body: JSON.stringify({ ...body, slug: `قياس-مقارنة-${writes}-${i}` }) })));
  if (process.env.BENCH_DEBUG) log(`POST answers:\n${answers.map((answer) => `${answer.status} ${answer.text}`).join('\n')}`);
  const [a, b] = answers.map((answer) => masked(answer.text));
  if (answers.some((answer) => answer.status !== 201)) return { bytes: a === b ? 'yes' : 'no', rows: 'no' };
  const [rowsA, rowsB] = await Promise.all(answers.map((answer, i) => rowsOf[i]!((JSON.parse(answer.text) as { data: { id: string } }).data.id)));
  if (process.env.BENCH_DEBUG) log(`rows:\n${rowsA}\n${rowsB}`);
  return { bytes: a === b ? 'yes' : 'no', rows: rowsA === rowsB ? 'yes' : 'no' };
}
