import type { Test } from 'tap';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { storesOf } from '../../src/core/db/handles.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import type { StatementExecutor } from '../../src/core/db/statements.js';
import type { JobExecutors } from '../../src/core/facts/relink-jobs.js';
import { createRepositories, type Repositories } from '../../src/core/resources/index.js';
import { auth, body, build, jobsOn, sharedDatabase, sqliteOnly } from '../helper.js';

/** The tests whose processes are connections of their own to one SQLite file (`open`); relink-engines.test.ts runs the index's rows on both engines. */
const onOneFile = sqliteOnly('processes as connections of their own to one SQLite file (openDatabase)');

interface Process {
  repositories: Repositories;
  /** Where its background jobs work: reads on its read connection, writes through its group commit. */
  jobs: JobExecutors;
  /** Runs a write's body in a transaction on the process's connection. */
  write<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /** Articles' automatic mentions of people, as sorted `article id → person id` pairs. */
  linked(): string[];
  /** The articles recorded to be linked again, in the order of their rows. */
  toRelink(): string[];
  /** Stops it as a crash would: what it kept in memory is lost. */
  close(): void;
}

/** A process on the database file `url`: its own connection and repositories, as a worker of `WORKERS=N` has. */
function open(t: Test, url: string): Process {
  const database = openDatabase(url);
  let open = true;
  const close = () => {
    if (open) database.close();
    open = false;
  };
  t.teardown(close);
  const linked = database.sqlite.prepare("select article_id || ' → ' || person_id from mentions where origin = 'auto' and person_id is not null order by 1").pluck();
  const toRelink = database.sqlite.prepare('select article_id from articles_to_relink order by id').pluck();
  return {
    repositories: createRepositories(),
    jobs: jobsOn(database),
    write: (body) => writeOnSqlite(database.sqlite, body),
    linked: () => linked.all() as string[],
    toRelink: () => toRelink.all() as string[],
    close,
  };
}

/** Steps a worker until it has nothing to do. */
async function drain(worker: { step(): Promise<unknown> }) {
  while ((await worker.step()) !== null);
}

interface Person {
  id: string;
  name: string;
}

const newPerson = ({ repositories, write }: Process, slug: string, name: string): Promise<Person> => write((tx) => repositories.people.create(tx, { slug, name, aliases: [] }));

const newArticle = ({ repositories, write }: Process, slug: string, text: string) =>
  write((tx) => repositories.articles.create(tx, { slug, title: slug, language: 'ar', body: [{ type: 'paragraph', text }] }));

/** The oracle: each article's links to the people whose names, as written, occur in its text. */
function expectedLinks(articles: Array<{ id: string; text: string }>, people: Person[]): string[] {
  return articles.flatMap((article) => people.filter((person) => article.text.includes(person.name)).map((person) => `${article.id} → ${person.id}`)).sort();
}

t.test("a write after another process's name change builds no index, and its article's mentions converge", onOneFile, async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const second = open(t, url);
  const salem = await newPerson(first, 'سالم', 'سالم المطيري');
  const fahad = await newPerson(first, 'فهد', 'فهد العنزي');
  const names = first.repositories.nameIndexWorker(first.jobs);
  await drain(names);
  t.equal(first.repositories.nameIndexBuilds(), 1, "the first process's index is built in the background");

  const nayef = await newPerson(second, 'نايف', 'نايف الشمري');
  await second.write((tx) => second.repositories.people.remove(tx, fahad.id));
  const texts = ['التقى نايف الشمري بسالم المطيري.', 'وقال فهد العنزي إن الوفد وصل.'];
  const articles: Array<{ id: string; text: string }> = [];
  for (const [i, text] of texts.entries()) articles.push({ id: (await newArticle(first, `خبر-${i}`, text)).id, text });
  t.equal(first.repositories.nameIndexBuilds(), 1, 'the writes that found the index behind built none (nor failed on the person the other process deleted)');
  t.same(
    first.toRelink(),
    articles.map(({ id }) => id),
    'they recorded their articles to be linked again, in their transactions',
  );

  await drain(names);
  t.equal(first.repositories.nameIndexBuilds(), 2, 'the worker built it again');
  t.same(first.linked(), expectedLinks(articles, [salem, nayef]), 'and linked the articles again: the new name is linked, the deleted person is not');
  t.same(first.toRelink(), [], 'and deleted their rows');
});

t.test('an article linked while the index was behind is linked again by the next process when the first stops before it caught up', onOneFile, async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const second = open(t, url);
  const salem = await newPerson(first, 'سالم', 'سالم المطيري');
  await drain(first.repositories.nameIndexWorker(first.jobs));
  const nayef = await newPerson(second, 'نايف', 'نايف الشمري');
  const text = 'التقى نايف الشمري بسالم المطيري.';
  const article = { id: (await newArticle(first, 'خبر', text)).id, text };
  t.same(first.linked(), expectedLinks([article], [salem]), 'linked by the index behind: the new name is not');
  first.close();
  second.close();

  const restarted = open(t, url);
  await drain(restarted.repositories.nameIndexWorker(restarted.jobs));
  t.same(restarted.linked(), expectedLinks([article], [salem, nayef]), 'after a restart, the new process links it again with both names');
  t.same(restarted.toRelink(), [], 'and deletes its row');
});

t.test('articles linked while the index was behind are linked again while names keep changing', onOneFile, async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const second = open(t, url);
  const names = first.repositories.nameIndexWorker(first.jobs);
  await drain(names);
  const people: Person[] = [];
  const articles: Array<{ id: string; text: string }> = [];
  // Fewer than 11, so that no name is the start of another.
  const rounds = 10;
  // Another process changes the names before each of the worker's steps: the index is never current when it steps.
  for (let i = 0; i < rounds; i++) {
    people.push(await newPerson(second, `شخص-${i}`, `شخص رقم ${i}`));
    const text = `التقى شخص رقم ${i} بالوفد.`;
    articles.push({ id: (await newArticle(first, `خبر-${i}`, text)).id, text });
    await names.step();
  }
  const settled = articles.slice(0, rounds - 3);
  t.same(
    first.linked().filter((link) => settled.some(({ id }) => link.startsWith(id))),
    expectedLinks(settled, people),
    'all but the last few articles are linked to the person their text names, though the index was always behind',
  );
  await drain(names);
  t.same(first.linked(), expectedLinks(articles, people), 'once the names hold still, every article is');
  t.same(first.toRelink(), [], 'and no row is left');
});

t.test('a server builds the name index at start, so its first write builds none', async (t) => {
  const databaseUrl = await sharedDatabase(t);
  // Seeding writes articles, which would build the index: start on a database seeded before.
  await (await build(t, { databaseUrl })).close();
  const app = await build(t, { databaseUrl });
  // `build` resolves once the background worker has built it.
  const { nameIndexBuilds } = storesOf(app.services);
  const builtAtStart = nameIndexBuilds();
  t.equal(builtAtStart, 1, 'the index was built before any write, once');

  const adwani = body(await app.inject({ url: `/v1/people/${encodeURIComponent('علي-العدواني')}` })).data;
  const text = `التقى ${adwani.name} بالوفد.`;
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: { slug: 'خبر-أول', title: 'خبر', language: 'ar', body: [{ type: 'paragraph', text }] },
  });
  t.equal(created.statusCode, 201);
  t.equal(nameIndexBuilds(), builtAtStart, 'the first write built no index');
  const mentions = body(await app.inject({ url: `/v1/articles/${body(created).data.id}/mentions` })).data;
  t.same(
    mentions.map((m: { text: string; entity: { id: string } }) => [m.text, m.entity.id]),
    [[adwani.name, adwani.id]],
    'and linked the person by the name the seed gave them',
  );
});

t.test('a background build that fails is started again by the next step, and writes go on linking', onOneFile, async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const second = open(t, url);
  const salem = await newPerson(first, 'سالم', 'سالم المطيري');
  const names = first.repositories.nameIndexWorker(first.jobs);
  await drain(names);
  const nayef = await newPerson(second, 'نايف', 'نايف الشمري');
  // The people's table out of reach for a moment: the build's read of it fails.
  const third = openDatabase(url);
  third.sqlite.exec('alter table people rename to people_away');
  await t.rejects(names.step(), /no such table/, 'the step reading the names fails');
  third.sqlite.exec('alter table people_away rename to people');
  third.close();
  await drain(names);
  const text = 'التقى نايف الشمري بسالم المطيري.';
  const article = await newArticle(first, 'خبر', text);
  t.same(first.linked(), expectedLinks([{ id: article.id, text }], [salem, nayef]), 'the next steps built it: a write links both names');
});

t.test("a write before a server's first build builds no index: it links with no names, and its article is linked once the build is in", onOneFile, async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  // More people than a slice holds, so that the background build takes more than one step.
  const people: Person[] = [];
  for (let i = 0; i < 300; i++) people.push(await newPerson(first, `شخص-${i}`, `شخص رقم ${i}`));
  const names = first.repositories.nameIndexWorker(first.jobs);
  const before = first.repositories.nameIndexBuilds();
  t.not(await names.step(), null, 'the background build is under way');
  t.equal(first.repositories.nameIndexBuilds(), before, 'and not finished after one step');
  const text = 'التقى شخص رقم 7 بالوفد.';
  const article = await newArticle(first, 'خبر', text);
  t.equal(first.repositories.nameIndexBuilds(), before, 'the write built no index');
  t.same(first.linked(), [], 'and linked no one yet');
  t.same(first.toRelink(), [article.id], 'it recorded its article to be linked again');
  await drain(names);
  t.equal(first.repositories.nameIndexBuilds(), before + 1, 'the background build is in');
  t.same(first.linked(), expectedLinks([{ id: article.id, text }], people), 'and the article is linked by the names');
  t.same(first.toRelink(), [], 'with no row left');
});

t.test("a write before a server's first build keeps an article's mentions where its texts stay, and drops them where they change, until the build links it", onOneFile, async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const salem = await newPerson(first, 'سالم', 'سالم المطيري');
  const text = 'التقى سالم المطيري بالوفد.';
  const article = await newArticle(first, 'خبر', text);
  t.same(first.linked(), expectedLinks([{ id: article.id, text }], [salem]), 'linked as written');
  first.close();

  const restarted = open(t, url);
  const { repositories, write } = restarted;
  // A server's worker, before its first step: no index yet.
  const names = repositories.nameIndexWorker(restarted.jobs);
  const input = (text: string) => ({ slug: 'خبر', title: 'خبر', language: 'ar', summary: 'ملخص', body: [{ type: 'paragraph' as const, text }] });
  await write((tx) => repositories.articles.replace(tx, article.id, input(text)));
  t.same(restarted.linked(), expectedLinks([{ id: article.id, text }], [salem]), 'a write that keeps the texts keeps the mentions');
  const changed = 'قال سالم المطيري إن الوفد وصل.';
  await write((tx) => repositories.articles.replace(tx, article.id, input(changed)));
  t.same(restarted.linked(), [], 'a write that changes them drops them: their places would be wrong');
  t.same(restarted.toRelink(), [article.id, article.id], 'each write recorded the article');
  await drain(names);
  t.same(restarted.linked(), expectedLinks([{ id: article.id, text: changed }], [salem]), 'the first build links the text as it is');
  t.same(restarted.toRelink(), [], 'with no row left');
});
