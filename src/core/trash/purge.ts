import { and, asc, eq, lt, sql } from 'drizzle-orm';
import { appendChange, changeOf } from '../changes/store.js';
import { type ReadsThenWrite, type StatementExecutor, statement } from '../db/statements.js';
import { type ResourceName, resourceNames } from '../resources/registry.js';
import { eraseRevisions } from '../revisions/store.js';
import { isoDaysBefore } from '../time.js';
import { trash } from './table.js';

/*
 * Purges from the trash, written once for either engine (docs/postgresql.md, step 2): each runs in a write's
 * transaction on its executor (`tx`: group commit's on SQLite, `postgresWrite`'s on PostgreSQL).
 */

/** Records purged per transaction, by the retention job and an emptying, so neither holds the write lock long. */
export const trashPurgeBatch = 50;

const entry = and(eq(trash.resource, sql.placeholder('resource')), eq(trash.record_id, sql.placeholder('id')));
const trashedVersion = statement.select({ version: trash.version }).from(trash).where(entry);
const removeEntry = sql`delete from ${trash} where ${entry}`;
const ofResource = eq(trash.resource, sql.placeholder('resource'));
const oldest = (where: ReturnType<typeof and>) =>
  statement.select({ id: trash.record_id }).from(trash).where(where).orderBy(asc(trash.trashed_at), asc(trash.record_id)).limit(sql.placeholder('limit'));
const expired = oldest(and(ofResource, lt(trash.trashed_at, sql.placeholder('before'))));
const longestTrashed = oldest(ofResource);

/**
 * Erases a trashed record for good, in a write's transaction: its revisions (they hold its content) and its entry
 * go, and a `purged` event is appended (its change events hold only ids, and stay, so the feed keeps no gaps), its
 * webhook deliveries due at `at` (the clock's now). False when it is not in the trash.
 */
export async function purgeTrashed(tx: StatementExecutor, resource: ResourceName, id: string, at: number): Promise<boolean> {
  const found = await tx.prepare(trashedVersion).get({ resource, id });
  if (!found) return false;
  await eraseRevisions(tx, resource, id);
  await tx.prepare(removeEntry).run({ resource, id });
  await appendChange(tx, changeOf(resource, id, 'purged', found.version), at);
  return true;
}

/** Purges each of `ids` still in the trash, one after another in the same transaction; the number purged. */
async function purgeEach(tx: StatementExecutor, resource: ResourceName, ids: ReadonlyArray<{ id: string }>, at: number): Promise<number> {
  let purged = 0;
  for (const { id } of ids) if (await purgeTrashed(tx, resource, id, at)) purged++;
  return purged;
}

/** Purges the `limit` records of `resource` longest in the trash, in a write's transaction, at `at`; the number purged. */
export async function purgeOldest(tx: StatementExecutor, resource: ResourceName, limit: number, at: number): Promise<number> {
  return purgeEach(tx, resource, await tx.prepare(longestTrashed).all({ resource, limit }), at);
}

/**
 * Purges at most `batch` records of one resource trashed more than `retentionDays` before `at`, in one write
 * (`write` runs its body in a write's transaction); the number purged (0: nothing is due). Reads first on `reads`,
 * so a process with nothing to purge never takes the write lock. Another process purging the same records at once
 * finds them gone inside its own transaction, so each is purged, and its event written, once.
 */
export async function purgeExpired({ reads, write }: ReadsThenWrite, at: number, retentionDays: number, batch: number): Promise<number> {
  const before = isoDaysBefore(at, retentionDays);
  for (const resource of resourceNames) {
    if (!(await reads.prepare(expired).get({ resource, before, limit: 1 }))) continue;
    return write(async (tx) => purgeEach(tx, resource, await tx.prepare(expired).all({ resource, before, limit: batch }), at));
  }
  return 0;
}
