import { and, asc, eq, lte, min, sql } from 'drizzle-orm';
import { insertRow, type ReadsThenWrite, type StatementExecutor, statement, unqualified } from '../db/statements.js';
import { publicArticle } from '../resources/articles/publication.js';
import { articles } from '../resources/articles/table.js';
import type { WriteEvent } from '../resources/shared/repository.js';
import { appendChange, changeOf } from './store.js';
import { scheduledPublications as scheduled } from './table.js';

/** Publications announced per transaction: what bounds how long an announcement holds the write lock. */
const announceBatch = 100;

/** What the schedule reads of a written article. */
type ScheduledEvent = WriteEvent<{ id: string; version: number; status: string; published_at: string | null }>;

// Written once for either engine (docs/postgresql.md, step 2).
const dueAt = unqualified(scheduled.due_at);
const upsert = insertRow(scheduled, ['article_id', 'due_at'], sql`on conflict (${unqualified(scheduled.article_id)}) do update set ${dueAt} = excluded.${dueAt}`);
const remove = sql`delete from ${scheduled} where ${eq(scheduled.article_id, sql.placeholder('id'))}`;
const takeDue = sql<{ id: string }>`delete from ${scheduled} where ${and(eq(scheduled.article_id, sql.placeholder('id')), lte(scheduled.due_at, sql.placeholder('now')))}
  returning ${unqualified(scheduled.article_id)} as ${sql.identifier('id')}`;
const earliest = statement.select({ at: min(scheduled.due_at) }).from(scheduled);
// A row whose article is gone or no longer public (a write around the repositories) is taken without an event.
const dueBatch = statement
  .select({ id: scheduled.article_id, version: articles.version, visible: sql<boolean | null>`${publicArticle}`.mapWith((value) => (value === null ? null : Boolean(value))) })
  .from(scheduled)
  .leftJoin(articles, eq(articles.id, scheduled.article_id))
  .where(lte(scheduled.due_at, sql.placeholder('now')))
  .orderBy(asc(scheduled.due_at), asc(scheduled.article_id))
  .limit(announceBatch);

/** The time of the earliest publication not yet announced, null when none is scheduled. */
export async function nextPublicationDue(reads: StatementExecutor): Promise<string | null> {
  return (await reads.prepare(earliest).get())?.at ?? null;
}

/**
 * Announces the publications due at `clock`'s moment (ms since the epoch, also when the events' webhook deliveries
 * are due), a batch in one write; returns how many were due in it. Reads first, so a process with nothing due never
 * takes the write lock; a second process announcing at once finds the rows taken inside its own transaction.
 */
export async function announcePublications({ reads, write }: ReadsThenWrite, clock: () => number): Promise<number> {
  const at = clock();
  const now = new Date(at).toISOString();
  const next = await nextPublicationDue(reads);
  if (next === null || next > now) return 0;
  return write(async (tx) => {
    const due = await tx.prepare(dueBatch).all({ now });
    for (const { id, version, visible } of due) {
      await tx.prepare(remove).run({ id });
      if (visible && version !== null) await appendChange(tx, changeOf('articles', id, 'published', version), at);
    }
    return due.length;
  });
}

/**
 * The `published` event of a scheduled article, appended when its time comes with no write by anyone. Each
 * article write's listener keeps the article's row in `scheduled_publications` (a due time while it is published
 * with `published_at` ahead of the moment; none otherwise, so a rescheduled or withdrawn publication leaves no stale
 * row). `announcePublications` takes the rows whose time has passed, in a write transaction, and appends an event
 * for each article the public sees then. `clock` is the moment publication is judged at, the one public reads use.
 */
export function publicationAnnouncer(clock: () => number) {
  const scheduledListeners: Array<(due: string) => void> = [];

  return {
    /**
     * The articles repository's listener, inside the write's transaction. A publication that came due before the
     * write and was not announced yet is announced first, with the version it came due at: the feed says the
     * article went public before it says what the write did.
     */
    async follow(event: ScheduledEvent, tx: StatementExecutor): Promise<void> {
      const at = clock();
      const now = new Date(at).toISOString();
      if (event.kind !== 'create' && (await tx.prepare(takeDue).get({ id: event.previous.id, now }))) {
        await appendChange(tx, changeOf('articles', event.previous.id, 'published', event.previous.version), at);
      }
      if (event.kind === 'delete') {
        await tx.prepare(remove).run({ id: event.id });
        return;
      }
      const { id, status, published_at: due } = event.record;
      if (status !== 'published' || due === null || due <= now) {
        // A fresh record has no row to remove.
        if (!(event.kind === 'create' && event.fresh)) await tx.prepare(remove).run({ id });
        return;
      }
      await tx.prepare(upsert).run({ article_id: id, due_at: due });
      for (const listener of scheduledListeners) listener(due);
    },
    /** Calls `listener` with the due time of each publication a write of this process schedules (before its commit). */
    onScheduled(listener: (due: string) => void) {
      scheduledListeners.push(listener);
    },
  };
}
