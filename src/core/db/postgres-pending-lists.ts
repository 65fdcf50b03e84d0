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
 * `gin_clean_pending_list` needs the index's owner: an index this role does not own is counted, not merged.
 */
const mergeStatement = sql<{ pages: string | null; foreign: string | null }>`
  with gin as (
    select i.indexrelid as id, pg_has_role(c.relowner, 'USAGE') as owned
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_am am on am.oid = c.relam
    where am.amname = 'gin' and c.relnamespace = current_schema()::regnamespace
  )
  select
    case when locked.ok then (select coalesce(sum(gin_clean_pending_list(id)), 0) from gin where owned) end::text as pages,
    case when locked.ok then (select count(*) from gin where not owned) end::text as foreign
  from (select pg_try_advisory_xact_lock(${mergeLockKey}) as ok) as locked`;

/**
 * Merges every pending list this role may merge now, unless another node is merging: the pages merged and the GIN
 * indexes left for not being this role's, or null when it passed.
 */
export async function mergePendingLists(tx: StatementExecutor): Promise<{ pages: number; foreign: number } | null> {
  const row = await tx.prepare(mergeStatement).get();
  return row?.pages == null ? null : { pages: Number(row.pages), foreign: Number(row.foreign) };
}

/**
 * A background worker that merges the pending lists after writes (a look at most every second, soon after a commit
 * told), off every write's path and outside the feed's lock, so that no write finds a list past its limit. GIN
 * indexes the role does not own are left to autovacuum, and said so once; so is a merge the database refuses
 * (42501: `gin_clean_pending_list` not granted), after which the worker rests.
 */
export function pendingListMerger(write: <T>(body: (tx: StatementExecutor) => Promise<T>) => Promise<T>, warn: (message: string, error?: unknown) => void): BackgroundWorker {
  let refused = false;
  let toldForeign = false;
  return {
    async step() {
      if (refused) return null;
      let merged: Awaited<ReturnType<typeof mergePendingLists>>;
      try {
        merged = await write(mergePendingLists);
      } catch (error) {
        if (errorCode(error) !== '42501') throw error;
        // Not a failure to retry: the job rests for good, which the log says once.
        refused = true;
        warn("this role may not merge the GIN indexes' pending lists; autovacuum merges them, and a write that finds one full merges it itself", error);
        return null;
      }
      if (merged !== null && merged.foreign > 0 && !toldForeign) {
        toldForeign = true;
        warn(`this role does not own ${merged.foreign} of the schema's GIN indexes, so it cannot merge their pending lists; autovacuum merges them, and a write that finds one full merges it itself`);
      }
      return null;
    },
    async release() {},
  };
}
