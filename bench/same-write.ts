/**
 * The like-for-like check of a write: the same article POSTed to both servers must get the same answer (ids,
 * times and slugs aside) and leave the same rows behind: its link rows, its search document with the same
 * token counts in both full-text indices (they are contentless: their text cannot be read back), and its
 * mention rows.
 */
import Sqlite from 'better-sqlite3';
import type { ServerProcess } from './processes.js';
import { request } from './requests.js';
import { auth, log } from './settings.js';

const masked = (text: string) => text.replace(/"(id|created_at|updated_at|slug)":"[^"]*"/g, '"$1":""');

/** Every row the write of one article left, as JSON, without the article's id and slug. */
function rowsOf(db: Sqlite.Database, id: string): string {
  const links = ['article_people', 'article_organisations', 'article_meetings'].map((table) => db.prepare(`select position, subject_id from ${table} where article_id = ? order by position`).all(id));
  const documents = db
    .prepare(
      'select d.type, (select hex(sz) from search_index_docsize where id = d.doc_id) as words, (select hex(sz) from substring_index_docsize where id = d.doc_id) as trigrams from search_documents d where d.record_id = ?',
    )
    .all(id);
  const mentions = db.prepare('select part, start, "end", text, person_id, organisation_id, meeting_id, origin from mentions where article_id = ? order by part, start').all(id);
  return JSON.stringify({ links, documents, mentions });
}

let writes = 0;

/**
 * POSTs one article to each server (at `paths`) and compares the answers and the rows each left in its
 * database file: 'yes' or 'no' for each.
 */
export async function sameWrite(servers: [ServerProcess, ServerProcess], files: [string, string], paths: [string, string], body: Record<string, unknown>) {
  writes += 1;
  // Slugs of one length: the substring index holds the slug, and its token count is compared.
  const answers = await Promise.all(servers.map((server, i) => request(server, paths[i]!, { method: 'POST', headers: auth, body: JSON.stringify({ ...body, slug: `قياس-مقارنة-${writes}-${i}` }) })));
  if (process.env.BENCH_DEBUG) log(`POST answers:\n${answers.map((answer) => `${answer.status} ${answer.text}`).join('\n')}`);
  const [a, b] = answers.map((answer) => masked(answer.text));
  if (answers.some((answer) => answer.status !== 201)) return { bytes: a === b ? 'yes' : 'no', rows: 'no' };
  const [rowsA, rowsB] = answers.map((answer, i) => {
    const db = new Sqlite(files[i]!, { readonly: true });
    const rows = rowsOf(db, (JSON.parse(answer.text) as { data: { id: string } }).data.id);
    db.close();
    return rows;
  });
  if (process.env.BENCH_DEBUG) log(`rows:\n${rowsA}\n${rowsB}`);
  return { bytes: a === b ? 'yes' : 'no', rows: rowsA === rowsB ? 'yes' : 'no' };
}
