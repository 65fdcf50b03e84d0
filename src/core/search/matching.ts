import type { Placeholder, SQL } from 'drizzle-orm';
import { and, eq, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { type StatementExecutor, statement } from '../db/statements.js';
import type { LookedUp, Probe } from '../list/spec.js';
import { matchExpression, type Term } from './query.js';
import { searchDocuments, searchIndex, substringIndex } from './table.js';

/** `id IN (the records whose index entry matches)`, for a bound MATCH string or a placeholder for one. */
export const matchingIds = (id: SQLiteColumn, match: string | Placeholder): SQL =>
  sql`${id} in (select ${searchDocuments.record_id} from ${searchIndex} join ${searchDocuments} on ${searchDocuments.doc_id} = ${searchIndex.rowid} where ${searchIndex} match ${match})`;

/** A MATCH string no record satisfies (no record has this type): for a query without a word to search for. */
const matchNothing = 'type : "none"';

/**
 * A list's lookup of the records of one type in one of the FTS5 indexes keyed by `search_documents`, prepared on a
 * listing's executor. Its matches are read in the index's order, which FTS5 does lazily, so listing a bounded number
 * costs that number even for a word every record holds (and the order is no matter: only a complete listing is
 * used). A probe finds the row's entry by its key and asks FTS5 about that entry alone (a rowid constraint): a few
 * index seeks per list read, whatever the number of matches.
 */
function fts5Lookup(statements: StatementExecutor, index: typeof searchIndex | typeof substringIndex, type: string) {
  const matches = statements.prepare(
    statement
      .select({ id: searchDocuments.record_id })
      .from(index)
      .innerJoin(searchDocuments, eq(searchDocuments.doc_id, index.rowid))
      .where(and(sql`${index} match ${sql.placeholder('match')}`, eq(searchDocuments.type, type)))
      .limit(sql.placeholder('most')),
  );
  const probe: Probe['condition'] = (table, name) =>
    sql`exists (select 1 from ${index} where ${index.rowid} = (select ${searchDocuments.doc_id} from ${searchDocuments} where ${searchDocuments.record_id} = ${table.id} and ${searchDocuments.type} = ${type}) and ${index} match ${sql.placeholder(name)})`;
  /** A MATCH string's matches, and the one a row's entry is probed with; its cost is the engine-neutral part's to say. */
  return (match: string, probed: string): Omit<LookedUp, 'cost'> => ({
    key: match,
    matches: async (most) => (await matches.all({ match, most })).map((row) => row.id),
    probe: { condition: probe, value: probed },
  });
}

/**
 * `q=` on a list of one type: the MATCH strings of some terms (query.ts), bound. A record is probed without the type
 * filter: the probe reads its own entry, whose type it knows, and the type's posting list is as long as the type has records.
 */
export function fts5TextLookup(statements: StatementExecutor, type: string) {
  const lookup = fts5Lookup(statements, searchIndex, type);
  return (terms: Term[]) => lookup(matchExpression(terms, [type]) ?? matchNothing, matchExpression(terms, null) ?? matchNothing);
}

/** `contains` on a list of one type: a column's part matched as one phrase of its trigrams. */
export function fts5SubstringLookup(statements: StatementExecutor, type: string) {
  const lookup = fts5Lookup(statements, substringIndex, type);
  return (column: SQLiteColumn, part: string) => {
    const match = `${column.name} : "${part.replaceAll('"', '""')}"`;
    return lookup(match, match);
  };
}
