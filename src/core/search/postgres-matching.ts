import { and, eq, type Placeholder, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { type StatementExecutor, statement } from '../db/statements.js';
import type { Probe } from '../list/spec.js';
import { holdsEveryTerm, holdsWritten, postgresMatch, requiredTextsList } from './postgres-query.js';
import type { Term } from './query.js';
import { searchDocuments, searchIndex, substringIndex } from './table.js';

/*
 * A list's lookups on PostgreSQL (docs/postgresql.md, the list engine's section), as matching.ts's on SQLite: the
 * records of one type whose full-text entry holds some terms (`q=`) or whose substring entry holds a part of a value
 * (`contains`), prepared on a listing's executor.
 */

const placeholder = sql.placeholder;

/** `id IN (the records of `type` whose title or body, as written, holds a tsquery text)`: matching.ts's `matchingIds`, for `anyPhraseQuery`'s texts. */
export const postgresMatchingIds = (id: SQLiteColumn, type: string, query: Placeholder): SQL =>
  sql`${id} in (select ${searchDocuments.record_id} from ${searchIndex} join ${searchDocuments} on ${searchDocuments.doc_id} = ${searchIndex.rowid} where ${searchIndex.type} = ${type} and ${holdsWritten(sql`${query}`)})`;

/**
 * `q=`: the matches listed by `postgresMatch`, whose text follows the terms (the GIN index needs each tsquery as a
 * value), so it is prepared for use `once`: run unnamed, planned for its own tsqueries, nothing of it kept on the
 * pooled connection. A row is probed by one statement whatever the terms, bound as one JSON list, which reads that
 * row's entry only.
 */
export function postgresTextLookup(statements: StatementExecutor, type: string) {
  // The row's entry by its primary key, found by the record's.
  const probe: Probe['condition'] = (table, name) =>
    sql`exists (select 1 from ${searchIndex} where ${searchIndex.rowid} = (select ${searchDocuments.doc_id} from ${searchDocuments} where ${searchDocuments.record_id} = ${table.id} and ${searchDocuments.type} = ${type}) and ${holdsEveryTerm(sql`${placeholder(name)}`)})`;
  return (terms: Term[]) => {
    const match = postgresMatch(terms, [type]);
    const texts = requiredTextsList(terms);
    return {
      key: texts,
      async matches(most: number) {
        if (match === null) return [];
        const listed = statement
          .select({ id: searchDocuments.record_id })
          .from(searchIndex)
          .innerJoin(searchDocuments, eq(searchDocuments.doc_id, searchIndex.rowid))
          .where(match)
          .limit(placeholder('most'));
        return (await statements.prepare(listed, 'once').all({ most })).map((row) => row.id);
      },
      probe: { condition: probe, value: texts },
    };
  };
}

/** A value as the text of a `like` pattern: its `%`, `_` and `\` stand for themselves. */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, '\\$&');

/**
 * `contains`: the matches listed by `like` on the column of `substring_index`, which pg_trgm's GIN index answers from
 * the part's trigrams, one statement per column (prepared at its first use). There is no probe: `like` on a row's
 * entry is the test of its own column for the part, and the list engine tests each row for the whole value.
 */
export function postgresSubstringLookup(statements: StatementExecutor, type: string) {
  const byColumn = new Map<SQLiteColumn, (part: string, most: number) => Promise<string[]>>();
  const listing = (column: SQLiteColumn) => {
    let known = byColumn.get(column);
    if (!known) {
      const listed = statements.prepare(
        statement
          .select({ id: searchDocuments.record_id })
          .from(substringIndex)
          .innerJoin(searchDocuments, eq(searchDocuments.doc_id, substringIndex.rowid))
          .where(and(eq(searchDocuments.type, type), sql`${column} like '%' || ${placeholder('part')} || '%' escape '\\'`))
          .limit(placeholder('most')),
      );
      known = async (part, most) => (await listed.all({ part: likeEscaped(part), most })).map((row) => row.id);
      byColumn.set(column, known);
    }
    return known;
  };
  return (column: SQLiteColumn, part: string) => ({ key: `${column.name}:${part}`, matches: (most: number) => listing(column)(part, most) });
}
