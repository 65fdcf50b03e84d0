import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import t, { type Test } from 'tap';
import { changeStamp } from '../../src/core/db/change-stamp.js';
import { openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import { type StatementExecutor, sqliteStatements } from '../../src/core/db/statements.js';
import { publicationSchedule } from '../../src/core/resources/articles/publication.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { publicBySchedule, sqliteOnly } from '../helper.js';

/*
 * A list's remembered totals (list/sql.ts) are kept under the change stamp. A count is read across awaits (on
 * PostgreSQL, a round trip): one read before a commit and answered after it must not be kept under the stamp that
 * commit moved, or later pages would be served a total older than what they can see.
 */

const rendering = new SQLiteSyncDialect();

/**
 * People listed through an executor whose candidates' count (the subquery named listed) answers, once its rows
 * are read, only when the test lets it go: `held` starts a read with the next such count held.
 */
async function heldListing(t: Test) {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const writers = createRepositories();
  const newPerson = (slug: string) => writeOnSqlite(database.sqlite, (tx) => writers.people.create(tx, { slug, name: slug, aliases: [] }));
  await newPerson('a');
  await newPerson('b');

  const reader = sqliteStatements(database.reader.$client);
  let holding: { answered: Promise<void>; reached: boolean } | null = null;
  const heldCounts: StatementExecutor = {
    dialect: reader.dialect,
    prepare(query) {
      const prepared = reader.prepare(query);
      if (!rendering.sqlToQuery(query.getSQL()).sql.includes('"listed"')) return prepared;
      return {
        ...prepared,
        get: async (bindings) => {
          const row = await prepared.get(bindings);
          const hold = holding;
          if (hold) {
            hold.reached = true;
            await hold.answered;
          }
          return row;
        },
      };
    },
  };
  const stamp = { now: 'before' };
  const people = createRepositories().people.reads(heldCounts, () => stamp.now);
  /** Starts `read` with the next candidates' count held; resolves, once that count has been read, to a release. */
  async function held<T>(read: () => Promise<T>): Promise<{ release: () => Promise<T> }> {
    let answer!: () => void;
    const hold = { answered: new Promise<void>((resolve) => (answer = resolve)), reached: false };
    holding = hold;
    const reading = read();
    for (let turns = 0; !hold.reached && turns < 100; turns++) await new Promise((resolve) => setImmediate(resolve));
    t.ok(hold.reached, "the first reader's count was read and is held");
    holding = null;
    return {
      release: () => {
        answer();
        return reading;
      },
    };
  }
  return { people, newPerson, stamp, held };
}

t.test('a total counted before a commit and answered after it is not kept under the stamp after it', sqliteOnly("SQLite's two connections"), async (t) => {
  const { people, newPerson, stamp, held } = await heldListing(t);
  // Without conditions the total is the candidates' count, read inside total() after the stamp.
  const query = { limit: 1 };
  const early = await held(() => people.list(query));
  await newPerson('c');
  stamp.now = 'after';
  t.strictSame((await people.list(query)).total, { value: 3, relation: 'eq' }, 'a reader after the commit counts three');
  t.strictSame((await early.release()).total, { value: 2, relation: 'eq' }, 'the first reader counted the two before the commit');
  t.strictSame((await people.list(query)).total, { value: 3, relation: 'eq' }, 'and its count was not kept: the next reader is told three');
});

t.test("a page's candidates counted before a commit are not kept as the total under the stamp after it", sqliteOnly("SQLite's two connections"), async (t) => {
  const { people, newPerson, stamp, held } = await heldListing(t);
  // A filter the head of the sort order leaves short: the page counts the filter's candidates itself, and that count becomes the total.
  const query = { limit: 1, filters: [{ field: 'name', op: 'startswith' as const, value: 'a' }] };
  const early = await held(() => people.list(query));
  await newPerson('ab');
  stamp.now = 'after';
  t.strictSame((await early.release()).total, { value: 1, relation: 'eq' }, 'the first reader counted the one name before the commit');
  t.strictSame((await people.list(query)).total, { value: 2, relation: 'eq' }, 'the next reader is told both names starting with a');
});

t.test('a public total counted with a schedule read before a commit is not kept for later readers', sqliteOnly("SQLite's two connections"), async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const writers = createRepositories();
  const publish = (slug: string, published_at: string) =>
    writeOnSqlite(database.sqlite, (tx) => writers.articles.create(tx, { slug, title: slug, language: 'ar', status: 'published', published_at, body: [{ type: 'paragraph', text: slug }] }));
  const reader = sqliteStatements(database.reader.$client);
  const stamp = changeStamp(database.reader);
  const articles = writers.articles.reads(reader, stamp);
  const schedule = publicationSchedule(reader, stamp);
  await publish('past', '2020-01-01T00:00:00.000Z');
  await publish('later', '2030-01-01T00:00:00.000Z');
  // The first reader's schedule says nothing is published before 2030; a commit then schedules an article for 2029.
  const early = await publicBySchedule(schedule, '2028-01-01T00:00:00.000Z');
  await publish('sooner', '2029-01-01T00:00:00.000Z');
  t.strictSame((await articles.list({ limit: 1 }, early)).total, { value: 1, relation: 'eq' }, 'the first reader, in 2028, sees the one past article');
  const after = await publicBySchedule(schedule, '2029-06-01T00:00:00.000Z');
  t.equal(after.audience === 'public' && after.nextPublication, '2030-01-01T00:00:00.000Z', 'a reader in mid-2029 has the same next publication');
  t.strictSame((await articles.list({ limit: 1 }, after)).total, { value: 2, relation: 'eq' }, "and is told both articles it sees, not the first reader's count");
});
