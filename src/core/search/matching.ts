import type { Placeholder, SQL } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { searchDocuments, searchIndex } from './table.js';

/** `id IN (the records whose index entry matches)`, for a bound MATCH string or a placeholder for one. */
export const matchingIds = (id: SQLiteColumn, match: string | Placeholder): SQL =>
  sql`${id} in (select ${searchDocuments.record_id} from ${searchIndex} join ${searchDocuments} on ${searchDocuments.doc_id} = ${searchIndex.rowid} where ${searchIndex} match ${match})`;

/** A MATCH string no record satisfies (no record has this type): for a query without a word to search for. */
export const matchNothing = 'type : "none"';
