import { and, gt, min, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { ChangeStamp } from '../../db/change-stamp.js';
import { perDialect } from '../../db/dialect.js';
import { now } from '../../db/ids.js';
import { type StatementExecutor, statement } from '../../db/statements.js';
import { visibleAt } from '../../list/visibility.js';
import { articles } from './table.js';

/** The articles the public sees: published, and not scheduled for later (`published_at` null or past). */
export const publicArticle: SQL = sql`(${articles.status} = 'published' and (${articles.published_at} is null or ${articles.published_at} <= ${visibleAt}))`;

/** An article id held elsewhere (a link table's column) that names an article the public sees: one primary-key lookup. */
export const publicArticleId = (id: SQLiteColumn | SQL): SQL => sql`exists (select 1 from ${articles} where ${articles.id} = ${id} and ${publicArticle})`;

interface Publication {
  status?: string | undefined;
  published_at?: string | null | undefined;
}

/** Publishing sets `published_at` to the moment, unless the write gives it: an article already published keeps its date as written. */
export function withPublicationDate<T extends Publication>(input: T, current: Publication | null): T {
  const publishing = input.status === 'published' && current !== null && current.status !== 'published';
  return publishing && input.published_at == null ? { ...input, published_at: now() } : input;
}

/** The moment's view of the schedule: the change stamp read before it, and the earliest scheduled publication after the moment. */
export interface ScheduleView {
  changes: string;
  next: string | null;
}

const earliestAfter = perDialect((dialect) =>
  statement
    .select({ at: min(articles.published_at) })
    .from(articles)
    // The status unindexed: left to itself SQLite took the status index and read every published article (238 ms of
    // CPU at 100,000 articles, on the first public read and the first after each write); this seeks past the moment.
    .where(and(sql`${dialect.unindexed(articles.status)} = 'published'`, gt(articles.published_at, visibleAt))),
);

/**
 * The earliest scheduled publication after a moment (`next`): when the public's view next changes without a
 * write, with the engine's change stamp read before it (`changes`), on a read executor. Asked again only after the
 * stamp moved or once that moment has passed, so a read costs the stamp and a string comparison; the query seeks
 * the (published_at, id) index past the moment.
 */
export function publicationSchedule(reads: StatementExecutor, stamp: ChangeStamp): (moment: string) => Promise<ScheduleView> {
  const earliest = reads.prepare(earliestAfter(reads.dialect));
  let known: ScheduleView | undefined;
  return async (moment) => {
    const changes = stamp();
    if (known?.changes === changes && (known.next === null || moment < known.next)) return known;
    // Read after the stamp: what it finds is at least as new as the stamp says.
    const view: ScheduleView = { changes, next: (await earliest.get({ now: moment }))?.at ?? null };
    known = view;
    return view;
  };
}
