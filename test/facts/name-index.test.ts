import type { Test } from 'tap';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { storesOf } from '../../src/core/db/handles.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import type { StatementExecutor } from '../../src/core/db/statements.js';
import { createRepositories, type Repositories } from '../../src/core/resources/index.js';
import { auth, body, build } from '../helper.js';

interface Process {
  repositories: Repositories;
  /** Runs a write's body in a transaction on the process's connection. */
  write<T>(body: (tx: StatementExecutor) => Promise<T>): Promise<T>;
  /** Articles' automatic mentions of people, as sorted `article id → person id` pairs. */
  linked(): string[];
}

/** A process on the database file `url`: its own connection and repositories, as a worker of `WORKERS=N` has. */
function open(t: Test, url: string): Process {
  const database = openDatabase(url);
  t.teardown(() => database.close());
  const linked = database.sqlite.prepare("select article_id || ' → ' || person_id from mentions where origin = 'auto' and person_id is not null order by 1").pluck();
  return { repositories: createRepositories(database.db), write: (body) => writeOnSqlite(database.sqlite, body), linked: () => linked.all() as string[] };
}

/** Steps a worker until it has nothing to do. */
function drain(worker: { step(): unknown }) {
  while (worker.step() !== null);
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

t.test("a write after another process's name change builds no index, and its article's mentions converge", async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const second = open(t, url);
  const salem = await newPerson(first, 'سالم', 'سالم المطيري');
  const fahad = await newPerson(first, 'فهد', 'فهد العنزي');
  const names = first.repositories.nameIndexWorker();
  drain(names);
  t.equal(first.repositories.nameIndexBuilds(), 1, "the first process's index is built in the background");

  const nayef = await newPerson(second, 'نايف', 'نايف الشمري');
  await second.write((tx) => second.repositories.people.remove(tx, fahad.id));
  const texts = ['التقى نايف الشمري بسالم المطيري.', 'وقال فهد العنزي إن الوفد وصل.'];
  const articles: Array<{ id: string; text: string }> = [];
  for (const [i, text] of texts.entries()) articles.push({ id: (await newArticle(first, `خبر-${i}`, text)).id, text });
  t.equal(first.repositories.nameIndexBuilds(), 1, 'the writes that found the index behind built none (nor failed on the person the other process deleted)');

  drain(names);
  t.equal(first.repositories.nameIndexBuilds(), 2, 'the worker built it again');
  t.same(first.linked(), expectedLinks(articles, [salem, nayef]), 'and linked the articles again: the new name is linked, the deleted person is not');
});

t.test('a server builds the name index at start, so its first write builds none', async (t) => {
  const databaseUrl = `file:${t.testdir()}/khabar.db`;
  // Seeding writes articles, which would build the index: start on a file seeded before.
  await (await build(t, { databaseUrl })).close();
  const app = await build(t, { databaseUrl });
  const { nameIndexBuilds } = storesOf(app.services);
  for (const deadline = Date.now() + 10_000; nameIndexBuilds() === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
  const builtAtStart = nameIndexBuilds();
  t.equal(builtAtStart, 1, 'the index was built before any write');

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

t.test('a background build that fails is started again by the next step, and writes go on linking', async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  const second = open(t, url);
  const salem = await newPerson(first, 'سالم', 'سالم المطيري');
  const names = first.repositories.nameIndexWorker();
  drain(names);
  const nayef = await newPerson(second, 'نايف', 'نايف الشمري');
  // The people's table out of reach for a moment: the build's read of it fails.
  const third = openDatabase(url);
  third.sqlite.exec('alter table people rename to people_away');
  t.throws(() => names.step(), /no such table/, 'the step reading the names fails');
  third.sqlite.exec('alter table people_away rename to people');
  third.close();
  drain(names);
  const text = 'التقى نايف الشمري بسالم المطيري.';
  const article = await newArticle(first, 'خبر', text);
  t.same(first.linked(), expectedLinks([{ id: article.id, text }], [salem, nayef]), 'the next steps built it: a write links both names');
});

t.test('a background build is not installed over the index a write built while it read', async (t) => {
  const url = `file:${t.testdir()}/khabar.db`;
  const first = open(t, url);
  // More people than a slice holds, so that the background build takes more than one step.
  for (let i = 0; i < 300; i++) await newPerson(first, `شخص-${i}`, `شخص رقم ${i}`);
  const names = first.repositories.nameIndexWorker();
  const before = first.repositories.nameIndexBuilds();
  t.not(names.step(), null, 'the background build is under way');
  t.equal(first.repositories.nameIndexBuilds(), before, 'and not finished after one step');
  await newArticle(first, 'خبر', 'التقى شخص رقم 7 بالوفد.');
  t.equal(first.repositories.nameIndexBuilds(), before + 1, 'a write that came before the first build built it');
  drain(names);
  t.equal(first.repositories.nameIndexBuilds(), before + 1, "the background build finished without installing what it read (it began before the write's)");
});
