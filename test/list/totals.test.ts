import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import { type StatementExecutor, sqliteStatements } from '../../src/core/db/statements.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { sqliteOnly } from '../helper.js';

/*
 * A list's remembered totals (list/sql.ts) are kept under the change stamp. A count is read across awaits (on
 * PostgreSQL, a round trip): one read before a commit and answered after it must not be kept under the stamp that
 * commit moved, or later pages would be served a total older than what they can see.
 */

const rendering = new SQLiteSyncDialect();

t.test('a total counted before a commit and answered after it is not kept under the stamp after it', sqliteOnly("SQLite's two connections"), async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  const writers = createRepositories();
  const newPerson = (slug: string) => writeOnSqlite(database.sqlite, (tx) => writers.people.create(tx, { slug, name: slug, aliases: [] }));
  await newPerson('a');
  await newPerson('b');

  // The counts' statement answers, once its rows are read, only when `answer` is called.
  const reader = sqliteStatements(database.reader.$client);
  let holding: { answer: () => void; answered: Promise<void>; reached: boolean } | null = null;
  const heldCounts: StatementExecutor = {
    dialect: reader.dialect,
    prepare(query) {
      const prepared = reader.prepare(query);
      // The total of a list without conditions is its candidates' count (the subquery named listed).
      const isCount = rendering.sqlToQuery(query.getSQL()).sql.includes('"listed"');
      if (!isCount) return prepared;
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
  let stamp = 'before';
  const people = createRepositories().people.reads(heldCounts, () => stamp);
  const query = { limit: 1 };

  let answer!: () => void;
  const answered = new Promise<void>((resolve) => {
    answer = resolve;
  });
  holding = { answer, answered, reached: false };
  const early = people.list(query);
  for (let turns = 0; !holding.reached && turns < 100; turns++) await new Promise((resolve) => setImmediate(resolve));
  t.ok(holding.reached, "the first reader's count was read and is held");
  holding = null;

  await newPerson('c');
  stamp = 'after';
  t.strictSame((await people.list(query)).total, { value: 3, relation: 'eq' }, 'a reader after the commit counts three');
  answer();
  t.strictSame((await early).total, { value: 2, relation: 'eq' }, 'the first reader counted the two before the commit');
  t.strictSame((await people.list(query)).total, { value: 3, relation: 'eq' }, 'and its count was not kept: the next reader is told three');
});
