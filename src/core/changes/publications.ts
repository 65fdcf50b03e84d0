import { and, asc, eq, lte, min, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { publicArticle } from '../resources/articles/publication.js';
import { articles } from '../resources/articles/table.js';
import type { WriteEvent } from '../resources/shared/repository.js';
import type { ChangeStore } from './store.js';
import { scheduledPublications as scheduled } from './table.js';

/** Publications announced per transaction: what bounds how long an announcement holds the write lock. */
const announceBatch = 100;

/** What the schedule reads of a written article. */
type ScheduledEvent = WriteEvent<{ id: string; version: number; status: string; published_at: string | null }>;

/**
 * The `published` event of a scheduled article, appended when its time comes with no write by anyone. Each
 * article write's listener keeps the article's row in `scheduled_publications` (a due time while it is published
 * with `published_at` ahead of the moment; none otherwise, so a rescheduled or withdrawn publication leaves no stale
 * row). `announceDue` takes the rows whose time has passed, in a write transaction, and appends an event for each
 * article the public sees then: a second process that runs it at the same time finds them taken. `clock` is the
 * moment publication is judged at, the one public reads use.
 */
export function publicationAnnouncer(db: Db, changes: ChangeStore, clock: () => number) {
  const moment = () => new Date(clock()).toISOString();
  const upsert = db
    .insert(scheduled)
    .values({ article_id: sql.placeholder('id'), due_at: sql.placeholder('due') })
    .onConflictDoUpdate({ target: scheduled.article_id, set: { due_at: sql`excluded.due_at` } })
    .prepare();
  const remove = db
    .delete(scheduled)
    .where(eq(scheduled.article_id, sql.placeholder('id')))
    .prepare();
  const takeDue = db
    .delete(scheduled)
    .where(and(eq(scheduled.article_id, sql.placeholder('id')), lte(scheduled.due_at, sql.placeholder('now'))))
    .returning({ id: scheduled.article_id })
    .prepare();
  const earliest = db
    .select({ at: min(scheduled.due_at) })
    .from(scheduled)
    .prepare();
  // A row whose article is gone or no longer public (a write around the repositories) is taken without an event.
  const dueBatch = db
    .select({ id: scheduled.article_id, version: articles.version, visible: sql<number | null>`${publicArticle}` })
    .from(scheduled)
    .leftJoin(articles, eq(articles.id, scheduled.article_id))
    .where(lte(scheduled.due_at, sql.placeholder('now')))
    .orderBy(asc(scheduled.due_at), asc(scheduled.article_id))
    .limit(announceBatch)
    .prepare();
  const scheduledListeners: Array<(due: string) => void> = [];

  /** The time of the earliest publication not yet announced, null when none is scheduled. */
  const nextDue = (): string | null => earliest.get()?.at ?? null;

  return {
    /**
     * The articles repository's listener, inside the write's transaction. A publication that came due before the
     * write and was not announced yet is announced first, with the version it came due at: the feed says the
     * article went public before it says what the write did.
     */
    follow(event: ScheduledEvent) {
      const now = moment();
      if (event.kind !== 'create' && takeDue.get({ id: event.previous.id, now })) changes.append('articles', event.previous.id, 'published', event.previous.version);
      if (event.kind === 'delete') return remove.run({ id: event.id });
      const { id, status, published_at: due } = event.record;
      if (status !== 'published' || due === null || due <= now) return remove.run({ id });
      upsert.run({ id, due });
      for (const listener of scheduledListeners) listener(due);
    },
    /** Announces the publications due at the clock's moment, a batch per transaction; returns how many were due in it. */
    announceDue(): number {
      const now = moment();
      // Read first, so a process with nothing due never takes the write lock.
      const next = nextDue();
      if (next === null || next > now) return 0;
      return db.transaction(
        () => {
          const due = dueBatch.all({ now });
          for (const { id, version, visible } of due) {
            remove.run({ id });
            if (visible && version !== null) changes.append('articles', id, 'published', version);
          }
          return due.length;
        },
        { behavior: 'immediate' },
      );
    },
    nextDue,
    /** Calls `listener` with the due time of each publication a write of this process schedules (before its commit). */
    onScheduled(listener: (due: string) => void) {
      scheduledListeners.push(listener);
    },
  };
}
