import type Sqlite from 'better-sqlite3';
import type { App } from '../../src/web/app.js';
import { auth, body } from '../helper.js';

const at = '2026-01-01T00:00:00.000Z';
/** A person's row written around the index (straight into its table), which only a rebuild indexes. */
export const unindexedPerson = {
  id: 'p-around',
  slug: 'سعود-الفيصل',
  version: 1,
  created_at: at,
  updated_at: at,
  name: 'سعود الفيصل',
  honorific: null,
  position: 'وزير الخارجية',
  country: 'SA',
  aliases: [],
};

/** The text each resource is named by: search must find a record by its words once the record is indexed. */
const titleColumns = { articles: 'title', people: 'name', organisations: 'name', meetings: 'title' } as const;

/**
 * The records of the database, each named `type id`, that a token's search of the first eight words of their own
 * title or name does not find among its first 100 hits of their type: none, once the index holds every record.
 * `sqlite` reads the records straight from their tables, around the index.
 */
export async function recordsSearchMisses(app: App, sqlite: Sqlite.Database): Promise<{ checked: number; missed: string[] }> {
  const missed: string[] = [];
  let checked = 0;
  for (const [type, column] of Object.entries(titleColumns)) {
    const rows = sqlite.prepare<[], { id: string; text: string }>(`select id, ${column} as text from ${type}`).all();
    for (const { id, text } of rows) {
      const q = text.split(/\s+/).slice(0, 8).join(' ');
      const response = await app.inject({ url: `/v1/search?q=${encodeURIComponent(q)}&type=${type}&limit=100`, headers: auth });
      if (!body<{ data: Array<{ id: string }> }>(response).data.some((hit) => hit.id === id)) missed.push(`${type} ${id}`);
      checked++;
    }
  }
  return { checked, missed };
}
