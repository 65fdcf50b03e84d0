import { and, asc, gt, lte, max, type SQL, sql } from 'drizzle-orm';
import { type StatementExecutor, statement } from '../db/statements.js';
import { type Audience, perAudience, type Visibility, visibilityValues } from '../list/visibility.js';
import { resources } from '../resources/registry.js';
import type { Change } from './schemas.js';
import { changes } from './table.js';

export interface ChangePage {
  events: Change[];
  /** Whether to read on at once: events the reader sees follow the page's last one, or a public page stopped at its scan window. */
  more: boolean;
  /**
   * The seq the next page starts after: the last event's when the page is full, else the last seq examined, so a
   * reader who sees not every event passes the hidden ones once instead of reading them again on every poll.
   */
  through: number;
}

/**
 * The most events a public page examines after `after`: each event of a record the public does not see (a
 * draft's saves, a deleted article's) costs a lookup, and a page of them would read the feed to its end; it
 * stops here instead, short or empty, with `through` past what it examined.
 */
const publicScanWindow = 10_000;

// The public's events are those of records it sees now: for a resource with a rule (ListSpec.visibleWhen),
// one primary-key lookup per event. A record deleted since is not seen, nor are its events.
const publicEvent = and(
  ...resources.flatMap(({ name, table, list }) =>
    list.visibleWhen ? [sql`(${changes.resource} <> ${name} or exists (select 1 from ${table} where ${table.id} = ${changes.record_id} and ${list.visibleWhen}))`] : [],
  ),
);
const visibleEvent = (audience: Audience): SQL | undefined => (audience === 'public' ? publicEvent : undefined);
const pageOf = perAudience((audience) =>
  statement
    .select({ seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version, at: changes.at })
    .from(changes)
    .where(and(gt(changes.seq, sql.placeholder('after')), lte(changes.seq, sql.placeholder('until')), visibleEvent(audience)))
    .orderBy(asc(changes.seq))
    .limit(sql.placeholder('limit')),
);
// The last page of the rowid b-tree: what a stream checks for news, whichever process wrote them.
const newestSeq = statement.select({ seq: max(changes.seq) }).from(changes);

/** The change feed's reads, in seq order, on either engine (the events are appended by core/changes/store.ts). */
export function changeFeed(statements: StatementExecutor) {
  const page = perAudience((audience) => statements.prepare(pageOf[audience]));
  const last = statements.prepare(newestSeq);
  const lastSeq = async (): Promise<number> => (await last.get())?.seq ?? 0;

  return {
    /** The events after seq `after` that the reader sees, oldest first, at most `limit`. */
    async page(after: number, limit: number, visibility: Visibility): Promise<ChangePage> {
      // Read first: every event up to it is committed (one writer, seqs in commit order), so a page that ends
      // before `limit` has passed them all, seen or not.
      const newest = await lastSeq();
      const until = visibility.audience === 'public' ? Math.min(newest, after + publicScanWindow) : newest;
      const rows = await page[visibility.audience].all({ after, until, limit: limit + 1, ...visibilityValues(visibility) });
      const events = rows.slice(0, limit);
      const full = rows.length > limit;
      return { events, more: full || until < newest, through: full ? events.at(-1)!.seq : Math.max(after, until) };
    },
    /** The newest event's seq, 0 when there is none. */
    lastSeq,
  };
}
