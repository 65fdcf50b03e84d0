import { sql } from 'drizzle-orm';
import type { BackgroundWorker } from './background-loop.js';
import { errorCode } from './constraints.js';
import type { StatementExecutor } from './statements.js';

/** Taken by the node merging: another node's merge at the same moment passes rather than waiting for it. */
const mergeLockKey = 118_096_054_608_243;

/**
 * Merges the pending lists of the schema's GIN indexes (search's tsvectors, `contains`' trigrams) into the indexes.
 * A GIN index takes new entries into a pending list (`fastupdate`), and the insert that finds the list past
 * `gin_pending_list_limit` (4 MB) merges it itself: hundreds of milliseconds inside a write that holds the change
 * feed's lock, which every other appending write then waits for (docs/performance.md, "GIN pending lists").
 */
const mergeStatement = sql<{ pages: string | null }>`
  select case when pg_try_advisory_xact_lock(${mergeLockKey}) then (
    select coalesce(sum(gin_clean_pending_list(i.indexrelid)), 0)
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_am am on am.oid = c.relam
    where am.amname = 'gin' and c.relnamespace = current_schema()::regnamespace
  ) end::text as pages`;

/** Merges every pending list now, unless another node is merging: the pages merged, or null when it passed. */
export async function mergePendingLists(tx: StatementExecutor): Promise<number | null> {
  const row = await tx.prepare(mergeStatement).get();
  return row?.pages == null ? null : Number(row.pages);
}

/** PostgreSQL's error when the role is not the index's owner, which `gin_clean_pending_list` requires. */
const notOwner = '42501';

/**
 * A background worker that merges the pending lists after writes (a look at most every second, soon after a commit
 * told), off every write's path and outside the feed's lock, so that no write finds a list past its limit. A role that
 * does not own the indexes cannot merge them: the worker says so once and leaves them to autovacuum.
 */
export function pendingListMerger(write: <T>(body: (tx: StatementExecutor) => Promise<T>) => Promise<T>): BackgroundWorker {
  let refused = false;
  return {
    async step() {
      if (refused) return null;
      try {
        await write(mergePendingLists);
      } catch (error) {
        if (errorCode(error) !== notOwner) throw error;
        refused = true;
        throw new Error('this role does not own the GIN indexes, so it cannot merge their pending lists; autovacuum merges them, and a write that finds one full merges it itself', { cause: error });
      }
      return null;
    },
    async release() {},
  };
}
