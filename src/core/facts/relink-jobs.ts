import { randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { perDialect } from '../db/dialect.js';
import { insertRow, type StatementExecutor, statement } from '../db/statements.js';
import { articles } from '../resources/articles/table.js';
import { containingAny } from '../search/containing.js';
import { spellingsOf } from '../text/linking.js';
import { type EntityRef, entityColumnValues, entityOf } from './entities.js';
import { articlesLinkedTo } from './mentions.js';
import { relinkJobs } from './table.js';

/** Where a background job runs its statements: its reads on a read executor, each transaction a write on its `tx` (group commit's on SQLite). */
export interface JobExecutors {
  reads: StatementExecutor;
  write<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /** A claim or release of a job, which other nodes may hold: on PostgreSQL at read committed (EngineWrites.claim); `write` unless given. */
  claim?<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /** A job given back, which other nodes are told of (EngineWrites.giveBack); `claim` unless given. */
  giveBack?<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
}

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
  step(): Promise<RelinkStep | null>;
  /** Gives its claimed job back, for another worker to resume at once (on shutdown). */
  release(): Promise<void>;
}

interface Claimed {
  id: number;
  entity: EntityRef;
  /** What the engine's index matches articles that contain a changed form by, in any spelling linking accepts; null when no form has a word. */
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

/** What relinking articles needs from the facts: the name index, and the relinking of articles in a write. */
export interface Linker {
  /** Whether there is an index to link with: false while a server's first background build runs (the step waits for it). */
  ready(): boolean;
  relink(tx: StatementExecutor, articleIds: string[]): Promise<void>;
}

/*
 * Written once for either engine (docs/postgresql.md, step 2): a worker's reads on a read executor, so that an idle
 * worker takes no write lock, and its claims and batches writes on their `tx`.
 */

const j = relinkJobs;
/** A column as an UPDATE's SET names it: unqualified, as both engines require. */
const column = (name: keyof typeof j.$inferSelect) => sql.identifier(name);
const insertJob = insertRow(j, ['person_id', 'organisation_id', 'meeting_id', 'forms']);
const isClaimable = or(isNull(j.owner), lt(j.lease_until, sql.placeholder('now')));
const firstClaimable = statement.select({ id: j.id }).from(j).where(isClaimable).orderBy(j.id).limit(1);
// Nodes claiming at once on PostgreSQL each take another job (`skipLocked`), so no two work on one.
const claimFirst = perDialect(
  (dialect) => sql<{ id: number }>`update ${j} set ${column('owner')} = ${sql.placeholder('owner')}, ${column('lease_until')} = ${sql.placeholder('until')}
  where ${j.id} in (${statement.select({ id: j.id }).from(j).where(isClaimable).orderBy(j.id).limit(1)} ${dialect.skipLocked})
  returning ${column('id')}`,
);
const jobById = statement
  .select()
  .from(j)
  .where(eq(j.id, sql.placeholder('id')));
const owned = sql`${j.id} = ${sql.placeholder('id')} and ${j.owner} = ${sql.placeholder('owner')}`;
const advance = sql`update ${j} set ${column('lease_until')} = ${sql.placeholder('until')}, ${column('after')} = ${sql.placeholder('after')} where ${owned}`;
const finish = sql`delete from ${j} where ${owned}`;
const releaseOwned = sql`update ${j} set ${column('owner')} = null, ${column('lease_until')} = null where ${j.owner} = ${sql.placeholder('owner')}`;
/** The articles after `after` holding a text, in the engine's full-text index: `match` the value its query binds. */
const articlesContaining = perDialect((dialect) => {
  const containing = containingAny(dialect, 'articles');
  return {
    match: containing.match,
    query: statement
      .select({ id: articles.id })
      .from(articles)
      .where(and(gt(articles.id, sql.placeholder('after')), containing.condition(articles.id)))
      .orderBy(articles.id)
      .limit(sql.placeholder('limit')),
  };
});

/** Inside the write that changed an entity's name forms: its articles are relinked after the commit. */
export async function recordRelinkJob(tx: StatementExecutor, entity: EntityRef, forms: string[]): Promise<void> {
  await tx.prepare(insertJob).run({ ...entityColumnValues(entity), forms });
}

/** In a write: takes the first job no live lease holds for `owner` until `until`; null when there is none. */
export async function claimRelinkJob(tx: StatementExecutor, owner: string, now: number, until: number): Promise<Claimed | null> {
  const [claimed] = await tx.prepare(claimFirst(tx.dialect)).all({ owner, now, until });
  if (!claimed) return null;
  // The claim's own row, read in its transaction: it is there.
  const job = (await tx.prepare(jobById).get({ id: claimed.id }))!;
  return { id: job.id, entity: entityOf(job), match: articlesContaining(tx.dialect).match(job.forms.flatMap(spellingsOf)), after: job.after, queue: [] };
}

/** The next `limit` articles of a job after its `after`: linked to its entity now, or containing a changed form. */
async function candidates(reads: StatementExecutor, job: Claimed, limit: number): Promise<string[]> {
  const linked = await articlesLinkedTo(reads, job.entity, job.after, limit);
  // Planned for its own match on PostgreSQL (`once`): how many articles hold a name varies widely.
  const containing = job.match === null ? [] : (await reads.prepare(articlesContaining(reads.dialect).query, 'once').all({ match: job.match, after: job.after, limit })).map((row) => row.id);
  // Ids are ASCII (UUIDv7), so JavaScript's order is the engines'.
  return [...new Set([...linked, ...containing])].sort().slice(0, limit);
}

/**
 * Relinking after a name change, outside the write that changed it: the write records a job in its own
 * transaction (so the job commits with the name, or not at all), and workers take jobs and relink their articles a
 * batch per short write, in article id order. A job's progress (`after`) commits with each batch, so a worker that
 * stops half way leaves the rest to the next; relinking an article twice gives the same mentions. A worker claims a
 * job for a lease in a write, so two processes (or nodes) never work on the same job at once. It relinks with the
 * index installed even while it is behind names another process changed: the linking then records the article for
 * the name index's next build (index.ts), so a worker makes progress however often names change elsewhere.
 */
export function relinkWorker(
  linker: Linker,
  { reads, write, claim: claimWrite = write, giveBack = claimWrite }: JobExecutors,
  { batch = defaults.batch, leaseMs = defaults.leaseMs, now = Date.now }: RelinkWorkerOptions = {},
): RelinkWorker {
  const owner = randomUUID();
  let current: Claimed | null = null;

  async function claim(): Promise<Claimed | null> {
    // Read first, so an idle worker never takes the write lock.
    if (!(await reads.prepare(firstClaimable).get({ now: now() }))) return null;
    return claimWrite((tx) => claimRelinkJob(tx, owner, now(), now() + leaseMs));
  }

  return {
    async step() {
      if (!linker.ready()) return null;
      current ??= await claim();
      const job = current;
      if (!job) return null;
      // Read before the write: finding the candidates takes no lock.
      if (job.queue.length === 0) job.queue = await candidates(reads, job, readAhead);
      const ids = job.queue.slice(0, batch);
      const last = ids.at(-1);
      if (last === undefined) {
        // The job's end changes no mention: a claim's write (on PostgreSQL, told to no process).
        await claimWrite((tx) => tx.prepare(finish).run({ id: job.id, owner }));
        current = null;
        return { job: job.id, relinked: [] };
      }
      const kept = await write(async (tx) => {
        // The lease renewed only while the claim is still this worker's: a lost claim relinks nothing.
        if ((await tx.prepare(advance).run({ id: job.id, owner, until: now() + leaseMs, after: last })).changes === 0) return false;
        await linker.relink(tx, ids);
        return true;
      });
      if (kept) {
        job.after = last;
        job.queue = job.queue.slice(batch);
      } else current = null;
      return { job: job.id, relinked: kept ? ids : [] };
    },
    async release() {
      if (current === null) return;
      current = null;
      await giveBack((tx) => tx.prepare(releaseOwned).run({ owner }));
    },
  };
}
