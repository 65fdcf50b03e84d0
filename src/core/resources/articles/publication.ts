import { and, gt, min, type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { changeStamp } from '../../db/change-stamp.js';
import type { Db } from '../../db/database.js';
import { now } from '../../db/ids.js';
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

/**
 * The earliest scheduled publication after a moment (`next`): when the public's view next changes without a
 * write, with the database's change stamp read to know it (`changes`). Asked again only after a write or once
 * that moment has passed, so a read costs the stamp and a string comparison; the query seeks the
 * (published_at, id) index past the moment.
 */
export function publicationSchedule(db: Db) {
  const changed = changeStamp(db);
  const earliest = db
    .select({ at: min(articles.published_at) })
    .from(articles)
    // `+status`: left to itself SQLite took the status index and read every published article (238 ms of CPU at
    // 100,000 articles, on the first public read and the first after each write); this seeks past the moment.
    .where(and(sql`+${articles.status} = 'published'`, gt(articles.published_at, visibleAt)))
    .prepare();
  let stamp: string | undefined;
  let next: string | null = null;
  return (moment: string): { changes: string; next: string | null } => {
    const current = changed();
    if (current !== stamp || (next !== null && moment >= next)) {
      stamp = current;
      next = earliest.get({ now: moment })?.at ?? null;
    }
    return { changes: current, next };
  };
}
