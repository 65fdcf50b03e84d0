import { sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';

/*
 * Writes outside group commit (core/db/sqlite-write.ts): each in its own IMMEDIATE transaction, side by side ones one
 * after another, a write started inside another's body (or inside a transaction its caller opened) joining it.
 */

function notes(t: Test) {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  database.sqlite.exec('create table notes (text text not null)');
  const insert = (text: string) => sql`insert into notes (text) values (${text})`;
  const stored = () => database.sqlite.prepare('select text from notes order by rowid').pluck().all();
  return { connection: database.sqlite, insert, stored };
}

t.test('writes started side by side run one after another: one that fails takes none of the other’s rows', async (t) => {
  const { connection, insert, stored } = notes(t);
  const results = await Promise.allSettled([
    writeOnSqlite(connection, async (tx) => {
      await tx.prepare(insert('first')).run();
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('refused');
    }),
    writeOnSqlite(connection, async (tx) => {
      await tx.prepare(insert('second')).run();
      return 'stored';
    }),
  ]);
  t.same(
    results.map((result) => result.status),
    ['rejected', 'fulfilled'],
  );
  t.same(stored(), ['second'], 'the second write is stored; the failed first is undone alone');
  t.equal(connection.inTransaction, false, 'no transaction is left open');
});

t.test('a write started inside another’s body joins its transaction, and is undone with it', async (t) => {
  const { connection, insert, stored } = notes(t);
  await t.rejects(
    writeOnSqlite(connection, async (tx) => {
      await tx.prepare(insert('outer')).run();
      await writeOnSqlite(connection, (inner) => inner.prepare(insert('inner')).run());
      throw new Error('refused');
    }),
    { message: 'refused' },
  );
  t.same(stored(), [], 'both undone: the inner write did not commit on its own');
  t.equal(await writeOnSqlite(connection, async (tx) => (await tx.prepare(insert('later')).run()).changes), 1, 'and the next write runs');
  t.same(stored(), ['later']);
});
