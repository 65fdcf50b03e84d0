import Sqlite from 'better-sqlite3';
import type { Test } from 'tap';
import t from 'tap';
import { type Database, openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import type { RelinkWorkerOptions } from '../../src/core/facts/relink-jobs.js';
import { createRepositories, type Repositories } from '../../src/core/resources/index.js';
import { auth, body, build, jobsOn, sqliteOnly } from '../helper.js';
import { runOut, stepInTurn } from './relink-steps.js';

const alias = 'أبو فهد';
const articleCount = 300;
const batch = 64;

/**
 * The tests whose workers are connections of their own to one SQLite file; relink-engines.test.ts claims, leases,
 * resumes and gives back jobs, and steps two workers in turn, on both engines.
 */
const onOneFile = sqliteOnly('workers as connections of their own to one SQLite file (openDatabase)');

interface Opened {
  database: Database;
  repositories: Repositories;
}

/** A database file with `articleCount` articles that quote `alias`, which nobody has yet; `open` connects to it again. */
async function articlesQuotingAnAlias(t: Test) {
  const url = `file:${t.testdir()}/khabar.db`;
  const open = (): Opened => {
    const database = openDatabase(url);
    t.teardown(() => database.close());
    return { database, repositories: createRepositories() };
  };
  const first = open();
  const ids = await writeOnSqlite(first.database.sqlite, async (tx) => {
    const written: string[] = [];
    for (let i = 0; i < articleCount; i++) {
      const input = { slug: `خبر-${i}`, title: `خبر ${i}`, language: 'ar', body: [{ type: 'paragraph' as const, text: `وقال ${alias} إن الوفد وصل في اليوم ${i}.` }] };
      written.push((await first.repositories.articles.create(tx, input)).id);
    }
    return written;
  });
  return { first, open, ids };
}

/** The articles with an automatic mention of `alias`, by id. */
const linkedArticles = ({ database }: Opened) =>
  database.sqlite.prepare("select distinct article_id from mentions where origin = 'auto' and text = ? order by article_id").pluck().all(alias) as string[];

const pendingJobs = ({ database }: Opened) => database.sqlite.prepare('select count(*) from relink_jobs').pluck().get() as number;

const newPerson = ({ database, repositories }: Opened, slug = 'نايف', name = 'نايف الشمري') => writeOnSqlite(database.sqlite, (tx) => repositories.people.create(tx, { slug, name, aliases: [alias] }));

/** A relink worker of a process, working as a server's does (`jobsOn`). */
const workerOf = ({ database, repositories }: Opened, options: RelinkWorkerOptions) => repositories.relinkJobs.worker(jobsOn(database), options);

t.test('a new alias is linked after the write, a bounded batch per transaction', onOneFile, async (t) => {
  const { first, ids } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  t.same(linkedArticles(first), [], 'the write itself relinked no article');
  t.equal(pendingJobs(first), 1, 'it recorded a job instead');

  const worker = workerOf(first, { batch });
  const sizes: number[] = [];
  for (let step = await worker.step(); step !== null; step = await worker.step()) sizes.push(step.relinked.length);
  t.ok(
    sizes.every((size) => size <= batch),
    `no step relinked more than ${batch} articles (${sizes.join(', ')})`,
  );
  t.equal(
    sizes.reduce((a, b) => a + b, 0),
    articleCount,
    'each article quoting the alias once',
  );
  t.same(linkedArticles(first), [...ids].sort(), 'every article quoting the alias is linked');
  t.equal(pendingJobs(first), 0, 'and the job is gone');
});

t.test('a worker that stops half way leaves the rest to the next, which converges', onOneFile, async (t) => {
  const { first, open, ids } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  let clock = Date.now();
  const now = () => clock;
  const dying = workerOf(first, { batch, leaseMs: 1_000, now });
  const done = [...(await dying.step())!.relinked, ...(await dying.step())!.relinked];
  t.equal(done.length, 2 * batch);

  const second = open();
  const next = workerOf(second, { batch, leaseMs: 1_000, now });
  t.equal(await next.step(), null, 'the job stays with the worker that holds it while its lease runs');
  clock += 1_001;
  const rest = await runOut(next);
  t.same(
    rest.filter((id) => done.includes(id)),
    [],
    'after the lease the next worker resumes where the first stopped',
  );
  t.same([...done, ...rest].sort(), [...ids].sort(), 'and relinks the rest');

  const linked = linkedArticles(second);
  const mentions = () => second.database.sqlite.prepare("select article_id, part, start, end, text, person_id from mentions where origin = 'auto' order by id").all();
  const before = mentions();
  await second.repositories.relinkArticles((body) => second.database.writes.run(body));
  t.same(linked, [...ids].sort(), 'every article quoting the alias is linked');
  t.same(new Set(mentions().map((m) => JSON.stringify(m))), new Set(before.map((m) => JSON.stringify(m))), 'the same mentions as relinking every article from scratch');
});

t.test('a worker that shuts down gives its job back at once', onOneFile, async (t) => {
  const { first, open } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  const stopping = workerOf(first, { batch });
  t.equal((await stopping.step())!.relinked.length, batch);
  await stopping.release();
  const rest = await runOut(workerOf(open(), { batch }));
  t.equal(rest.length, articleCount - batch, 'the next worker takes it without waiting for the lease');
});

t.test('two workers on one file never run the same job at once', onOneFile, async (t) => {
  const { first, open } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  await newPerson(first, 'فهد', 'فهد العنزي');
  t.equal(pendingJobs(first), 2);

  const byJob = await stepInTurn([workerOf(first, { batch: 10 }), workerOf(open(), { batch: 10 })]);
  t.equal(byJob.size, 2, 'both jobs ran');
  for (const [id, job] of byJob) {
    t.equal(job.workers.size, 1, `job ${id} was run by one worker`);
    t.equal(new Set(job.relinked).size, job.relinked.length, `job ${id} relinked no article twice`);
  }
  t.equal(pendingJobs(first), 0);
});

t.test('the server relinks after a name change: mentions follow within seconds', async (t) => {
  const app = await build(t);
  const post = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: { slug: 'خبر-قديم', title: 'خبر', language: 'ar', body: [{ type: 'paragraph', text: `وقال ${alias} إن الوفد وصل.` }] },
  });
  const article = body(post).data.id;
  const person = await app.inject({
    method: 'POST',
    url: '/v1/people',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: { slug: 'نايف', name: 'نايف الشمري', aliases: [] },
  });
  const rename = await app.inject({
    method: 'PATCH',
    url: `/v1/people/${body(person).data.id}`,
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
    payload: { aliases: [alias] },
  });
  t.equal(rename.statusCode, 200);
  const mentioned = async () => body(await app.inject({ url: `/v1/articles/${article}/mentions` })).data.map((m: any) => [m.text, m.entity.slug]);
  const deadline = Date.now() + 10_000;
  while ((await mentioned()).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.same(await mentioned(), [[alias, 'نايف']], 'the alias is linked where the article quotes it');
});

/** Steps a worker until it has nothing to do. */
async function drain(worker: { step(): Promise<unknown> }) {
  while ((await worker.step()) !== null);
}

t.test('a relink job finishes while another process keeps changing names, and the articles it linked behind them are linked again after', onOneFile, async (t) => {
  const { first, open, ids } = await articlesQuotingAnAlias(t);
  const jobs = jobsOn(first.database);
  // This process builds its name index in the background, as a server does.
  const naming = first.repositories.nameIndexWorker(jobs);
  await drain(naming);
  await newPerson(first);
  const second = open();
  const salem = await writeOnSqlite(second.database.sqlite, (tx) => second.repositories.people.create(tx, { slug: 'سالم', name: 'سالم المطيري', aliases: [] }));
  const rename = second.database.sqlite.prepare('update people set name = ? where id = ?');
  // The other connection renames before each of the worker's steps, when no write of this process is open: the
  // names change all through the job, whatever the machine's speed.
  let renames = 0;
  const worker = workerOf(first, { batch: 16 });
  const relinked = await runOut({
    step: () => {
      rename.run(`سالم ${++renames}`, salem.id);
      return worker.step();
    },
    release: () => worker.release(),
  });
  t.ok(renames >= 2, `the names changed while the job ran (${renames} times)`);
  t.equal(pendingJobs(first), 0, 'the job finished');
  t.same([...relinked].sort(), [...ids].sort(), 'relinking every article quoting the alias');
  t.same(linkedArticles(first), [...ids].sort(), 'each linked to the alias by the index installed');
  const behind = first.database.sqlite.prepare('select count(*) from articles_to_relink').pluck().get() as number;
  t.ok(behind > 0, `the articles it linked with an index behind the names are recorded for the next build (${behind})`);
  await drain(naming);
  t.equal(first.database.sqlite.prepare('select count(*) from articles_to_relink').pluck().get(), 0, 'which links them again once the names hold still');
  t.same(linkedArticles(first), [...ids].sort(), 'to the same person');
});

t.test("the background jobs' writes wait for another process's write lock with the event loop free", onOneFile, async (t) => {
  const { first, ids } = await articlesQuotingAnAlias(t);
  const jobs = jobsOn(first.database);
  const naming = first.repositories.nameIndexWorker(jobs);
  await drain(naming);
  await newPerson(first);
  first.database.sqlite.prepare('insert into articles_to_relink (article_id) values (?)').run(ids[0]);
  const other = new Sqlite(first.database.sqlite.name);
  t.teardown(() => other.close());
  /** Runs a step while the other connection holds the write lock for 300 ms: how many 10 ms timers ran meanwhile. */
  async function stepWhileLocked<T>(step: () => Promise<T>) {
    other.exec('begin immediate');
    setTimeout(() => other.exec('commit'), 300);
    let turns = 0;
    const ticker = setInterval(() => turns++, 10);
    try {
      return { result: await step(), turns };
    } finally {
      clearInterval(ticker);
    }
  }
  const relinking = await stepWhileLocked(() => workerOf(first, { batch }).step());
  t.ok(relinking.turns >= 5, `timers ran while the relink worker's claim waited for the lock (${relinking.turns} turns in about 300 ms)`);
  t.equal(relinking.result?.relinked.length, batch, 'then it claimed the job and relinked a batch');
  const naming2 = await stepWhileLocked(() => naming.step());
  t.ok(naming2.turns >= 5, `timers ran while the name index's worker waited for the lock (${naming2.turns} turns)`);
  t.same(naming2.result, { relinked: [ids[0]] }, 'then it linked the recorded article again');

  // Idle, each worker only reads: it answers at once while another connection holds the write lock.
  other.exec('begin immediate');
  try {
    const started = performance.now();
    t.equal(await naming.step(), null, "the name index's worker has nothing to do");
    t.equal(await workerOf(first, { batch }).step(), null, 'nor has a relink worker while the job is leased to another');
    t.ok(performance.now() - started < 250, `and neither waited for the lock (${Math.round(performance.now() - started)} ms)`);
  } finally {
    other.exec('commit');
  }
});
