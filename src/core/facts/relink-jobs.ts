import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { articles } from '../resources/articles/table.js';
import { matchingIds } from '../search/matching.js';
import { matchAnyExpression } from '../search/query.js';
import { spellingsOf } from '../text/linking.js';
import { type EntityRef, entityColumnValues, entityOf } from './entities.js';
import type { mentionStore } from './mentions.js';
import { relinkJobs } from './table.js';

/** How a worker takes its turns; the defaults are the server's (figures in docs/performance.md). */
export interface RelinkWorkerOptions {
  /** Articles relinked per transaction: what bounds the time a step holds the write lock. */
  batch?: number;
  /** How long a claimed job stays its worker's without a step renewing the claim (a worker that died loses it then). */
  leaseMs?: number;
  /** The clock, in milliseconds since the epoch. */
  now?: () => number;
}

/** What a step did: the job it worked on and the articles it relinked (none when the job ended or was lost). */
interface RelinkStep {
  job: number;
  relinked: string[];
}

export interface RelinkWorker {
  /** Relinks the next batch of articles of its job, claiming a job first if it has none; null when there is nothing to do. */
  step(): RelinkStep | null;
  /** Gives its claimed jobs back, for another worker to resume at once (on shutdown). */
  release(): void;
}

interface Claimed {
  id: number;
  entity: EntityRef;
  /** Articles that contain a changed form, in any spelling linking accepts; null when no form has a word. */
  match: string | null;
  after: string;
  /** The next candidates after `after`, read ahead of the batches that relink them. */
  queue: string[];
}

/** Articles relinked per transaction by default: what bounds the time a step holds the write lock. */
export const relinkBatch = 16;
const defaults = { batch: relinkBatch, leaseMs: 10_000 };
/** Candidates read at a time: one search per this many, rather than per batch. */
const readAhead = 1024;

/** What relinking articles needs from the facts: the name index, current before a step claims or relinks anything. */
interface Linker {
  /** Whether the name index is at the names' revision; false while a background build catches up (the step waits for it). */
  ready(): boolean;
  relink(articleIds: string[]): void;
}

/**
 * Relinking after a name change, outside the write that changed it: the write records a job in its own
 * transaction (so the job commits with the name, or not at all), and workers take jobs and relink their
 * articles a batch per short transaction, in article id order. A job's progress (`after`) commits with each
 * batch, so a worker that stops half way leaves the rest to the next; relinking an article twice gives the
 * same mentions. A worker claims a job for a lease inside an IMMEDIATE transaction, so two processes on one
 * file never work on the same job at once.
 */
export function relinkJobStore(db: Db, mentions: ReturnType<typeof mentionStore>, linker: Linker) {
  const firstClaimable = db
    .select()
    .from(relinkJobs)
    .where(or(isNull(relinkJobs.owner), lt(relinkJobs.lease_until, sql.placeholder('now'))))
    .orderBy(relinkJobs.id)
    .limit(1)
    .prepare();
  const lease = db
    .update(relinkJobs)
    .set({ owner: sql`${sql.placeholder('owner')}`, lease_until: sql`${sql.placeholder('until')}`, after: sql`${sql.placeholder('after')}` })
    .where(eq(relinkJobs.id, sql.placeholder('id')))
    .prepare();
  const owned = db
    .select({ id: relinkJobs.id })
    .from(relinkJobs)
    .where(and(eq(relinkJobs.id, sql.placeholder('id')), eq(relinkJobs.owner, sql.placeholder('owner'))))
    .prepare();
  const finish = db
    .delete(relinkJobs)
    .where(eq(relinkJobs.id, sql.placeholder('id')))
    .prepare();
  const releaseAll = db
    .update(relinkJobs)
    .set({ owner: null, lease_until: null })
    .where(eq(relinkJobs.owner, sql.placeholder('owner')))
    .prepare();
  const articlesContaining = db
    .select({ id: articles.id })
    .from(articles)
    .where(and(gt(articles.id, sql.placeholder('after')), matchingIds(articles.id, sql.placeholder('match'))))
    .orderBy(articles.id)
    .limit(sql.placeholder('limit'))
    .prepare();

  /** The next `limit` articles of a job after its `after`: linked to its entity now, or containing a changed form. */
  function candidates(job: Claimed, limit: number): string[] {
    const linked = mentions.articlesLinkedTo(job.entity, job.after, limit);
    const containing = job.match === null ? [] : articlesContaining.all({ match: job.match, after: job.after, limit }).map((row) => row.id);
    // Ids are ASCII (UUIDv7), so JavaScript's order is SQLite's.
    return [...new Set([...linked, ...containing])].sort().slice(0, limit);
  }

  const store = {
    /** Inside the write that changed an entity's name forms: its articles are relinked after the commit. */
    record(entity: EntityRef, forms: string[]) {
      db.insert(relinkJobs)
        .values({ ...entityColumnValues(entity), forms })
        .run();
    },

    worker({ batch = defaults.batch, leaseMs = defaults.leaseMs, now = Date.now }: RelinkWorkerOptions = {}): RelinkWorker {
      const owner = randomUUID();
      let current: Claimed | null = null;

      function claim(): Claimed | null {
        // Read first, so an idle worker never takes the write lock.
        if (!firstClaimable.get({ now: now() })) return null;
        return db.transaction(
          () => {
            const job = firstClaimable.get({ now: now() });
            if (!job) return null;
            lease.run({ id: job.id, owner, until: now() + leaseMs, after: job.after });
            return { id: job.id, entity: entityOf(job), match: matchAnyExpression(job.forms.flatMap(spellingsOf), ['articles']), after: job.after, queue: [] };
          },
          { behavior: 'immediate' },
        );
      }

      return {
        step() {
          // Relinking with an index behind the names would link what the job is to correct; readying it takes no lock.
          if (!linker.ready()) return null;
          current ??= claim();
          const job = current;
          if (!job) return null;
          // Read before the transaction: finding the candidates takes no lock.
          if (job.queue.length === 0) job.queue = candidates(job, readAhead);
          const ids = job.queue.slice(0, batch);
          const last = ids.at(-1);
          const kept = db.transaction(
            () => {
              if (!owned.get({ id: job.id, owner })) return false;
              if (last === undefined) finish.run({ id: job.id });
              else {
                linker.relink(ids);
                lease.run({ id: job.id, owner, until: now() + leaseMs, after: last });
              }
              return true;
            },
            { behavior: 'immediate' },
          );
          if (kept && last !== undefined) {
            job.after = last;
            job.queue = job.queue.slice(batch);
          } else current = null;
          return { job: job.id, relinked: kept ? ids : [] };
        },
        release() {
          current = null;
          releaseAll.run({ owner });
        },
      };
    },

    /** Works off every job no other worker holds, before returning: for tools that write names and exit (the seed). */
    runAll() {
      const worker = store.worker();
      while (worker.step() !== null);
    },
  };
  return store;
}
