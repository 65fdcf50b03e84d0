import t from 'tap';
import { postgresWrite } from '../../src/core/db/postgres-write.js';
import { type StatementExecutor, statement } from '../../src/core/db/statements.js';
import { committedToRelink, everyRow, noRow, recordToRelink, takeToRelink, waitingToRelink } from '../../src/core/facts/articles-to-relink.js';
import { claimRelinkJob, type Linker, type RelinkWorkerOptions, recordRelinkJob, relinkWorker } from '../../src/core/facts/relink-jobs.js';
import { articlesToRelink, mentions, relinkJobs } from '../../src/core/facts/table.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { people } from '../../src/core/resources/people/table.js';
import { type Engine, engines } from '../engines.js';
import { articleRow } from '../rows.js';
import { runOut, stepInTurn } from './relink-steps.js';

/*
 * The relink jobs' store and the articles a name index's build covers (facts/relink-jobs.ts, articles-to-relink.ts),
 * written once and run on both engines: reads on the read executor, each transaction a write on its `tx`.
 */

const { onBoth, onPostgres } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const person = { type: 'person', id: 'p1' } as const;
const personRow = { id: 'p1', slug: 'علي', name: 'علي العدواني', honorific: null, position: null, country: 'KW', aliases: [], version: 1, created_at: at, updated_at: at };
const otherPersonRow = { ...personRow, id: 'p2', slug: 'صالح', name: 'صالح المربع' };
const linkedArticles = ['a1', 'a2', 'a3'];
const autoMention = (id: number, article: string, person_id: string) => ({
  id,
  article_id: article,
  part: 'title' as const,
  start: 0,
  end: 1,
  text: article,
  person_id,
  organisation_id: null,
  meeting_id: null,
  origin: 'auto' as const,
});
// A changed form with no word: the job's candidates are the articles linked to the person (no full-text search).
const forms = ['—'];

const jobs = (engine: Engine) => engine.statements.prepare(statement.select().from(relinkJobs).orderBy(relinkJobs.id)).all();
const toRelink = (engine: Engine) => engine.statements.prepare(statement.select().from(articlesToRelink).orderBy(articlesToRelink.id)).all();

/** The people of `rows`, each linked by an automatic mention to every one of `linkedArticles`. */
async function peopleInArticles(engine: Engine, rows: Array<typeof personRow>) {
  await engine.insert(people, rows);
  await engine.insert(
    articles,
    linkedArticles.map((id) => articleRow(id, 'published', at)),
  );
  await engine.insert(
    mentions,
    rows.flatMap((row, p) => linkedArticles.map((article, i) => autoMention(p * linkedArticles.length + i + 1, article, row.id))),
  );
}

/** A relink worker on the engine whose linker hands each batch to `relink` (by default relinking nothing). */
const workerOn = (engine: Engine, options: RelinkWorkerOptions, relink: Linker['relink'] = async () => undefined) =>
  relinkWorker({ ready: () => true, relink }, { reads: engine.statements, write: (body) => engine.write(body) }, options);

onBoth('a relink job: recorded in a write, claimed for a lease that hides it, resumed after it by another worker; a lost claim relinks nothing', async (t, engine) => {
  await peopleInArticles(engine, [personRow]);
  await t.rejects(
    engine.write(async (tx) => {
      await recordRelinkJob(tx, person, forms);
      throw new Error('undone');
    }),
    { message: 'undone' },
  );
  t.same(await jobs(engine), [], 'a job recorded in a write that fails is not there');
  await engine.write((tx) => recordRelinkJob(tx, person, forms));
  const [recorded] = await jobs(engine);
  t.match(recorded, { person_id: 'p1', organisation_id: null, meeting_id: null, forms, after: '', owner: null, lease_until: null }, 'a write records the job unclaimed');

  let clock = 1_000;
  const leaseMs = 100;
  const relinked: Array<{ worker: string; ids: string[] }> = [];
  const workerNamed = (worker: string) =>
    workerOn(engine, { batch: 2, leaseMs, now: () => clock }, async (_tx, ids) => {
      relinked.push({ worker, ids });
    });
  const [first, second] = [workerNamed('first'), workerNamed('second')];

  t.same(await first.step(), { job: recorded!.id, relinked: ['a1', 'a2'] }, 'the first worker claims the job and relinks a batch of its articles');
  t.match((await jobs(engine))[0], { after: 'a2', lease_until: clock + leaseMs }, 'its progress and lease committed with the batch');
  t.equal(await second.step(), null, "the lease hides the claimed job from another worker's claim");
  clock += leaseMs + 1;
  t.same(await second.step(), { job: recorded!.id, relinked: ['a3'] }, 'after the lease the other worker claims it and resumes where the first stopped');
  t.same(await first.step(), { job: recorded!.id, relinked: [] }, 'the first worker, its claim lost, relinks nothing');
  t.same(
    relinked,
    [
      { worker: 'first', ids: ['a1', 'a2'] },
      { worker: 'second', ids: ['a3'] },
    ],
    'each article relinked once, by the worker that held the claim',
  );
  t.same(await second.step(), { job: recorded!.id, relinked: [] }, 'the job ends when no candidate is left');
  t.same(await jobs(engine), [], 'and its row is gone');
  t.equal(await second.step(), null, 'then there is nothing to do');
});

/** One article a step, and a lease that never runs out while the test runs: a job changes hands only if given back. */
const unexpiring = { batch: 1, leaseMs: 60_000, now: () => 1_000 };

onBoth('a worker that gives its job back mid-job lets another take it at once, without waiting for the lease, where it stopped', async (t, engine) => {
  await peopleInArticles(engine, [personRow]);
  await engine.write((tx) => recordRelinkJob(tx, person, forms));
  const [job] = await jobs(engine);
  const [stopping, next] = [workerOn(engine, unexpiring), workerOn(engine, unexpiring)];
  t.same(await stopping.step(), { job: job!.id, relinked: ['a1'] }, 'the first worker relinks a batch');
  await stopping.release();
  t.match((await jobs(engine))[0], { owner: null, lease_until: null, after: 'a1' }, 'giving it back clears its claim and keeps its progress');
  t.same(await runOut(next), ['a2', 'a3'], 'the next worker takes it before the given-back lease would have ended, and relinks the rest');
  t.same(await jobs(engine), [], 'and ends it');
});

onBoth('two workers stepping in turn never run the same job, and relink no article of a job twice', async (t, engine) => {
  const rows = [personRow, otherPersonRow];
  await peopleInArticles(engine, rows);
  for (const { id } of rows) await engine.write((tx) => recordRelinkJob(tx, { type: 'person', id }, forms));
  const recorded = (await jobs(engine)).map((job) => job.id);
  const byJob = await stepInTurn([workerOn(engine, unexpiring), workerOn(engine, unexpiring)]);
  t.same(
    [...byJob.keys()].sort((a, b) => a - b),
    recorded,
    'both jobs ran',
  );
  for (const [id, job] of byJob) {
    t.equal(job.workers.size, 1, `job ${id} was run by one worker`);
    t.same(job.relinked, linkedArticles, `job ${id} relinked each of its articles once`);
  }
  t.same(await jobs(engine), [], 'and both ended');
});

onBoth('the articles to relink a build covers are the rows committed before it read the names', async (t, engine) => {
  const record = (article: string) => engine.write((tx) => recordToRelink(tx, article));
  const take = (covered: Parameters<typeof takeToRelink>[1], limit: number) => engine.write((tx) => takeToRelink(tx, covered, limit));
  t.same(await committedToRelink(engine.statements), { every: false, rows: [] }, 'with no row, a build covers none');
  await record('a1');
  await record('a2');
  await record('a1');
  const covered = await committedToRelink(engine.statements);
  await record('a3');
  t.equal(await waitingToRelink(engine.statements, noRow), false, 'an index built by a write covers no row');
  t.equal(await waitingToRelink(engine.statements, covered), true, 'a covered row waits');
  t.same(await take(covered, 1), ['a1'], 'the oldest covered row first, a bounded batch');
  t.same(await take(covered, 10), ['a2', 'a1'], 'then the other covered rows, each article once a row');
  t.equal(await waitingToRelink(engine.statements, covered), false, 'no covered row is left');
  t.same(
    (await toRelink(engine)).map((row) => row.article_id),
    ['a3'],
    'the row recorded after the read is not covered, and stays',
  );
  t.same(await take(everyRow, 10), ['a3'], 'an index at the names’ revision covers every row');
  t.same(await toRelink(engine), [], 'and every row taken is deleted');
});

onBoth('rows numbered past 2^31 are covered and taken like the others', async (t, engine) => {
  // Ids as a long-lived database reaches them (64-bit on both engines).
  const high = 3_000_000_000;
  await engine.insert(articlesToRelink, [
    { id: high, article_id: 'a1' },
    { id: high + 1, article_id: 'a2' },
  ]);
  const covered = await committedToRelink(engine.statements);
  t.same(covered, { every: false, rows: [high, high + 1] }, 'both rows covered');
  t.equal(await waitingToRelink(engine.statements, covered), true, 'and waiting');
  t.same(await engine.write((tx) => takeToRelink(tx, covered, 10)), ['a1', 'a2'], 'taken');
  t.same(await toRelink(engine), [], 'and deleted');
});

/** A write on PostgreSQL as the engine step runs the background jobs': at read committed, without the feed's lock (they append no change). */
const jobWrite = <T>(engine: Engine, body: (tx: StatementExecutor) => Promise<T>) => postgresWrite(engine.postgres!.pool, body, { appendsChanges: false, isolation: 'read committed' });

/** Runs `body` in a write that stays open, after `body` has run, until the returned `commit` is called. */
async function heldOpen<T>(engine: Engine, body: (tx: StatementExecutor) => Promise<T>) {
  let commit!: () => void;
  const committing = new Promise<void>((resolve) => {
    commit = resolve;
  });
  let ran!: (value: T) => void;
  const result = new Promise<T>((resolve) => {
    ran = resolve;
  });
  const write = jobWrite(engine, async (tx) => {
    ran(await body(tx));
    await committing;
  });
  const value = await Promise.race([result, write.then(() => Promise.reject(new Error('the write ended before its body ran')))]);
  return { result: value, commit, committed: write };
}

onPostgres('a row whose id was taken before the covered rows were read, but committed after, is not covered', async (t, engine) => {
  const late = await heldOpen(engine, (tx) => recordToRelink(tx, 'late'));
  await jobWrite(engine, (tx) => recordToRelink(tx, 'early'));
  const covered = await committedToRelink(engine.statements);
  late.commit();
  await late.committed;
  const rows = await toRelink(engine);
  t.same(
    rows.map((row) => row.article_id),
    ['late', 'early'],
    "the late row's id is the smaller: taken before the other's, committed after the read",
  );
  t.same(await jobWrite(engine, (tx) => takeToRelink(tx, covered, 10)), ['early'], 'a build that read before its commit does not take it');
  t.same(await jobWrite(engine, (tx) => takeToRelink(tx, everyRow, 10)), ['late'], 'an index at the names’ revision does');
});

onPostgres('two nodes claiming relink jobs at once take different jobs, neither waiting for the other', async (t, engine) => {
  await engine.insert(people, [personRow]);
  for (let i = 0; i < 2; i++) await engine.write((tx) => recordRelinkJob(tx, person, forms));
  const [one, two] = (await jobs(engine)).map((job) => job.id);
  const claim = (tx: StatementExecutor, owner: string) => claimRelinkJob(tx, owner, 1_000, 2_000);
  const first = await heldOpen(engine, (tx) => claim(tx, 'first'));
  const waited = Symbol('waited');
  const second = await Promise.race([jobWrite(engine, (tx) => claim(tx, 'second')), new Promise<typeof waited>((resolve) => setTimeout(() => resolve(waited), 2_000))]);
  first.commit();
  await first.committed;
  t.not(second, waited, 'the second claim did not wait for the first to commit');
  t.equal(first.result?.id, one, 'the first took the oldest job');
  t.equal(second === waited ? null : second?.id, two, 'the second passed over it and took the next');
  t.same(
    (await jobs(engine)).map((job) => job.owner),
    ['first', 'second'],
    'each job is held by one worker',
  );
});
