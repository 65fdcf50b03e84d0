import { and, desc, eq, sql } from 'drizzle-orm';
import { type StatementExecutor, statement } from '../db/statements.js';
import { perAudience } from '../list/visibility.js';
import { inIdList } from '../resources/shared/relations.js';
import { fts5Terms, matches } from './fts5-terms.js';
import type { IndexStatements } from './index-statements.js';
import { matchExpression, rankExpression } from './query.js';
import { searchDocuments, searchIndex, substringIndex } from './table.js';
import { visibleHit } from './visible-hits.js';

/*
 * Search's index on SQLite: FTS5's MATCH, with the MATCH strings query.ts builds bound, so each statement is
 * prepared once whatever the query.
 */

/**
 * BM25 weights per column of search_index (type, title, title_stem, body, body_stem). A record holding a
 * query word as written (`wordForms`) ranks above one holding only another word of its light stem (وكيل
 * above «الكيل», فنية above «الفنان»): the written-form columns weigh 1e9, so that one occurrence takes BM25's
 * term frequency to its ceiling and the term scores its full IDF, which no stem-only record can reach (every
 * record holding a written form holds its stem, so the stem's IDF is at most the form's). That holds for records
 * up to ten thousand times the average length. Among such records, titles and names weigh more than body text
 * through their stems (4 and 1).
 */
const rank = sql<number>`bm25(${searchIndex}, 0, 1e9, 4, 1e9, 1)`;

const placeholder = sql.placeholder;
const indexed = eq(searchDocuments.doc_id, searchIndex.rowid);

const ranked = perAudience((audience) =>
  statement
    .select({ type: searchDocuments.type, id: searchDocuments.record_id, rank, doc: searchDocuments.doc_id })
    .from(searchIndex)
    .innerJoin(searchDocuments, indexed)
    .where(
      and(
        sql`${matches('rank_match')} and ${inIdList(searchDocuments.type, 'types')} and (${placeholder('after_rank')} is null or (${rank}, ${searchDocuments.type}, ${searchDocuments.record_id}) > (${placeholder('after_rank')}, ${placeholder('after_type')}, ${placeholder('after_id')}))`,
        visibleHit(audience),
      ),
    )
    .orderBy(rank, searchDocuments.type, searchDocuments.record_id)
    .limit(placeholder('limit')),
);
const newest = perAudience((audience) =>
  statement
    .select({ type: searchDocuments.type, id: searchDocuments.record_id, rank: sql<null>`null`, doc: searchDocuments.doc_id })
    .from(searchIndex)
    .innerJoin(searchDocuments, indexed)
    .where(and(sql`${matches('match')} and ${searchIndex.rowid} < ${placeholder('before')}`, visibleHit(audience)))
    .orderBy(desc(searchIndex.rowid))
    .limit(placeholder('limit')),
);
/** A token reader's probe reads no record: only the public's needs the join, to read each hit's record. */
const nthMatch = {
  all: statement.select({ doc: searchIndex.rowid }).from(searchIndex).where(matches('match')).orderBy(desc(searchIndex.rowid)).limit(1).offset(placeholder('offset')),
  public: statement
    .select({ doc: searchIndex.rowid })
    .from(searchIndex)
    .innerJoin(searchDocuments, indexed)
    .where(and(matches('match'), visibleHit('public')))
    .orderBy(desc(searchIndex.rowid))
    .limit(1)
    .offset(placeholder('offset')),
};
export const fts5Index: IndexStatements = {
  ...fts5Terms,
  // FTS5's tables have no foreign key to the documents: each is emptied by its own command.
  emptied: [sql`delete from ${searchDocuments}`, ...[searchIndex, substringIndex].map((table) => sql`insert into ${table} (${table}) values ('delete-all')`)],
  nthMatch: (terms, types, audience, offset) => [nthMatch[audience], { match: matchExpression(terms, types), offset }],
  ranked: (terms, types, audience, after, limit) => [
    ranked[audience],
    { rank_match: rankExpression(terms), types: JSON.stringify(types), limit, after_rank: after?.rank ?? null, after_type: after?.type ?? null, after_id: after?.id ?? null },
  ],
  newest: (terms, types, audience, before, limit) => [newest[audience], { match: matchExpression(terms, types), before, limit }],
  finishRebuild: finishMerges,
};

/** A bound on the merge steps after a rebuild, far above what a large database needs (docs/performance.md). */
const maxMergeSteps = 10_000;
const totalChanges = sql<{ n: number }>`select total_changes() as ${sql.identifier('n')}`;
const mergeSteps = [searchIndex, substringIndex].map((index) => sql`insert into ${index} (${index}, rank) values ('merge', 500)`);

/**
 * Finishes the merges a rebuild left in progress in both FTS5 tables, so the next writes need not: left to them,
 * the merges make those writes slow and the WAL large. Merge steps of up to 500 pages, each a write of its own
 * (`write`), until one finds nothing left to do. `optimize` (one segment) would also do, but its long doclists
 * cost search memory (docs/performance.md).
 */
async function finishMerges(write: <T>(body: (tx: StatementExecutor) => Promise<T>) => Promise<T>): Promise<void> {
  for (const merge of mergeSteps) {
    for (let step = 0; step < maxMergeSteps; step++) {
      const changed = await write(async (tx) => {
        const before = (await tx.prepare(totalChanges).get())?.n ?? 0;
        await tx.prepare(merge).run();
        return ((await tx.prepare(totalChanges).get())?.n ?? 0) - before;
      });
      // FTS5's documented test for "no work done": the change count moved by less than two.
      if (changed < 2) break;
    }
  }
}
