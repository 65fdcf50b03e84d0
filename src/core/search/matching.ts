import type { Placeholder, SQL } from 'drizzle-orm';
import { and, eq, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { statement } from '../db/statements.js';
import type { IndexLookup } from '../list/spec.js';
import { searchDocuments, searchIndex, type substringIndex } from './table.js';

/** `id IN (the records whose index entry matches)`, for a bound MATCH string or a placeholder for one. */
export const matchingIds = (id: SQLiteColumn, match: string | Placeholder): SQL =>
  sql`${id} in (select ${searchDocuments.record_id} from ${searchIndex} join ${searchDocuments} on ${searchDocuments.doc_id} = ${searchIndex.rowid} where ${searchIndex} match ${match})`;

/** A MATCH string no record satisfies (no record has this type): for a query without a word to search for. */
export const matchNothing = 'type : "none"';

/**
 * The lookup of the records of one type in one of the FTS5 indexes keyed by `search_documents`. Its matches
 * are read in the index's order, which FTS5 does lazily, so listing a bounded number costs that number even
 * for a word every record holds (and the order is no matter: only a complete listing is used). A probe finds the row's entry by its key and asks FTS5 about that entry
 * alone (a rowid constraint): a few index seeks per list read, whatever the number of matches.
 */
export function indexLookup(index: typeof searchIndex | typeof substringIndex, type: string): IndexLookup {
  return {
    prepareMatches(statements) {
      const matches = statements.prepare(
        statement
          .select({ id: searchDocuments.record_id })
          .from(index)
          .innerJoin(searchDocuments, eq(searchDocuments.doc_id, index.rowid))
          .where(and(sql`${index} match ${sql.placeholder('match')}`, eq(searchDocuments.type, type)))
          .limit(sql.placeholder('most')),
      );
      return async (match, most) => (await matches.all({ match, most })).map((row) => row.id);
    },
    probe: (table, name) =>
      sql`exists (select 1 from ${index} where ${index.rowid} = (select ${searchDocuments.doc_id} from ${searchDocuments} where ${searchDocuments.record_id} = ${table.id} and ${searchDocuments.type} = ${type}) and ${index} match ${sql.placeholder(name)})`,
  };
}
