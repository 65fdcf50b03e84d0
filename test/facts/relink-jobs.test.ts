import type { Test } from 'tap';
import t from 'tap';
import { type Database, openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import type { RelinkWorker } from '../../src/core/facts/relink-jobs.js';
import { createRepositories, type Repositories } from '../../src/core/resources/index.js';
import { auth, body, build } from '../helper.js';

const alias = 'أبو فهد';
const articleCount = 300;
const batch = 64;

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
    return { database, repositories: createRepositories(database.db) };
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

/** Steps until the worker has nothing to do; returns every article it relinked, in order. */
function runOut(worker: RelinkWorker): string[] {
  const relinked: string[] = [];
  for (let step = worker.step(); step !== null; step = worker.step()) relinked.push(...step.relinked);
  return relinked;
}

t.test('a new alias is linked after the write, a bounded batch per transaction', async (t) => {
  const { first, ids } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  t.same(linkedArticles(first), [], 'the write itself relinked no article');
  t.equal(pendingJobs(first), 1, 'it recorded a job instead');

  const worker = first.repositories.relinkJobs.worker({ batch });
  const sizes: number[] = [];
  for (let step = worker.step(); step !== null; step = worker.step()) sizes.push(step.relinked.length);
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

t.test('a worker that stops half way leaves the rest to the next, which converges', async (t) => {
  const { first, open, ids } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  let clock = Date.now();
  const now = () => clock;
  const dying = first.repositories.relinkJobs.worker({ batch, leaseMs: 1_000, now });
  const done = [...dying.step()!.relinked, ...dying.step()!.relinked];
  t.equal(done.length, 2 * batch);

  const second = open();
  const next = second.repositories.relinkJobs.worker({ batch, leaseMs: 1_000, now });
  t.equal(next.step(), null, 'the job stays with the worker that holds it while its lease runs');
  clock += 1_001;
  const rest = runOut(next);
  t.same(
    rest.filter((id) => done.includes(id)),
    [],
    'after the lease the next worker resumes where the first stopped',
  );
  t.same([...done, ...rest].sort(), [...ids].sort(), 'and relinks the rest');

  const linked = linkedArticles(second);
  const mentions = () => second.database.sqlite.prepare("select article_id, part, start, end, text, person_id from mentions where origin = 'auto' order by id").all();
  const before = mentions();
  second.repositories.relinkArticles();
  t.same(linked, [...ids].sort(), 'every article quoting the alias is linked');
  t.same(new Set(mentions().map((m) => JSON.stringify(m))), new Set(before.map((m) => JSON.stringify(m))), 'the same mentions as relinking every article from scratch');
});

t.test('a worker that shuts down gives its job back at once', async (t) => {
  const { first, open } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  const stopping = first.repositories.relinkJobs.worker({ batch });
  t.equal(stopping.step()!.relinked.length, batch);
  stopping.release();
  const rest = runOut(open().repositories.relinkJobs.worker({ batch }));
  t.equal(rest.length, articleCount - batch, 'the next worker takes it without waiting for the lease');
});

t.test('two workers on one file never run the same job at once', async (t) => {
  const { first, open } = await articlesQuotingAnAlias(t);
  await newPerson(first);
  await newPerson(first, 'فهد', 'فهد العنزي');
  t.equal(pendingJobs(first), 2);

  const workers = [first.repositories.relinkJobs.worker({ batch: 10 }), open().repositories.relinkJobs.worker({ batch: 10 })];
  const byJob = new Map<number, { workers: Set<number>; relinked: string[] }>();
  for (let idle = 0; idle < workers.length; ) {
    idle = 0;
    workers.forEach((worker, i) => {
      const step = worker.step();
      if (step === null) {
        idle++;
        return;
      }
      const job = byJob.get(step.job) ?? { workers: new Set(), relinked: [] };
      job.workers.add(i);
      job.relinked.push(...step.relinked);
      byJob.set(step.job, job);
    });
  }
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
