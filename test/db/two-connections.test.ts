import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Test } from 'tap';
import t from 'tap';
import { changeStamp } from '../../src/core/db/change-stamp.js';
import { openDatabase } from '../../src/core/db/database.js';
import { groupCommit } from '../../src/core/db/group-commit.js';
import { databaseOf } from '../../src/core/db/handles.js';
import { auth, body, build } from '../helper.js';

/*
 * The write connection and the read connection (core/db/database.ts), and group commit's writes that await
 * (core/db/group-commit.ts): what a reader may see while a write's transaction is open across an await.
 */

function notes(t: Test) {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  database.sqlite.exec('create table notes (text text not null)');
  const insert = sql`insert into notes (text) values (${sql.placeholder('text')})`;
  const read = database.reader.$client.prepare('select text from notes order by rowid').pluck();
  const stored = () => read.all();
  return { database, insert, stored };
}

/** A promise and the function that resolves it. */
function signal() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve: () => resolve() };
}

t.test('file::memory: is a temporary file on two connections, removed with its folder when the database closes', async (t) => {
  const database = openDatabase('file::memory:');
  const file = database.sqlite.name;
  t.equal(database.reader.$client.name, file, 'both connections open the same file');
  t.ok(existsSync(file), 'the file exists while the database is open');
  t.equal(database.reader.$client.pragma('journal_mode', { simple: true }), 'wal', 'in WAL mode, whose readers see commits only');
  t.throws(() => database.reader.$client.exec("insert into __drizzle_migrations (hash, created_at) values ('x', 1)"), /readonly/i, 'the read connection refuses writes');
  database.close();
  t.notOk(database.sqlite.open, 'the write connection is closed');
  t.notOk(database.reader.$client.open, 'the read connection is closed');
  t.notOk(existsSync(dirname(file)), 'its folder is gone');
});

t.test('a write that awaits inside its transaction is seen by no reader before its commit, and by every reader after', async (t) => {
  const { database, insert, stored } = notes(t);
  const stamp = changeStamp(database.reader);
  const before = stamp();
  const seen: Record<string, unknown> = {};
  const write = database.writes.run(async (tx) => {
    await tx.prepare(insert).run({ text: 'awaited' });
    seen.inside = (await tx.prepare(sql<{ n: number }>`select count(*) as n from notes`).get())?.n;
    await sleep(20);
    return 'done';
  });
  await sleep(10);
  t.equal(database.sqlite.inTransaction, true, 'the transaction is open while the write awaits');
  t.same(stored(), [], 'the reader does not see the uncommitted row');
  t.equal(stamp(), before, 'the change stamp has not moved: nothing is committed');
  t.equal(await write, 'done');
  t.equal(seen.inside, 1, 'the write saw its own row');
  t.same(stored(), ['awaited'], 'the reader sees it once the promise has settled');
  t.not(stamp(), before, "the read connection's change stamp moved with the write connection's commit");
});

t.test('the writes of a batch run one after another, in order, each awaited before the next starts, in one transaction', async (t) => {
  const { database, insert, stored } = notes(t);
  // A batch's time no slow machine reaches: the three writes share one batch, however long the first one's pause.
  const writes = groupCommit(database.sqlite, { batchMs: 10_000 });
  const events: string[] = [];
  const write = (text: string, ms: number) =>
    writes.run(async (tx) => {
      events.push(`start ${text}`);
      const before = (await tx.prepare(sql<{ n: number }>`select count(*) as n from notes`).get())?.n;
      await sleep(ms);
      await tx.prepare(insert).run({ text });
      events.push(`end ${text}`);
      return before;
    });
  const queued = [write('slow', 30), write('fast', 0)];
  const synchronous = writes.run(() => {
    events.push('sync');
    return stored().length;
  });
  const results = await Promise.all([...queued, synchronous]);
  t.same(events, ['start slow', 'end slow', 'start fast', 'end fast', 'sync'], 'in the order queued, none beside another');
  t.same(results, [0, 1, 0], 'each saw the ones before it; the reader saw nothing until the commit');
  t.same(stored(), ['slow', 'fast']);
});

t.test('an async write that throws after writing is undone alone; the others of its batch are stored', async (t) => {
  const { database, insert, stored } = notes(t);
  const results = await Promise.allSettled([
    database.writes.run(async (tx) => tx.prepare(insert).run({ text: 'kept' })),
    database.writes.run(async (tx) => {
      await tx.prepare(insert).run({ text: 'undone' });
      await sleep(5);
      throw new Error('refused');
    }),
    database.writes.run(async (tx) => tx.prepare(insert).run({ text: 'also kept' })),
  ]);
  t.same(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.equal((results[1] as PromiseRejectedResult).reason.message, 'refused');
  t.same(stored(), ['kept', 'also kept']);
  t.equal(database.sqlite.inTransaction, false, 'no transaction is left open');
});

t.test('through the API: a public list cached before a write is not served once the write, awaited inside its transaction, has committed', async (t) => {
  const app = await build(t);
  const { writes } = databaseOf(app.services);
  const list = async () => body(await app.inject({ url: '/v1/organisations?limit=100' })).data.map((record: { slug: string }) => record.slug);
  const before = await list();
  t.notOk(before.includes('لجنة-معلقة'));
  t.same(await list(), before, 'a second read (from the response cache)');
  const held = signal();
  const inserted = signal();
  const write = writes.run(async (tx) => {
    await tx
      .prepare(
        sql`insert into organisations (id, slug, name, kind, aliases, version, created_at, updated_at) values ('org-held', 'لجنة-معلقة', 'لجنة معلقة', 'committee', '[]', 1, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
      )
      .run();
    inserted.resolve();
    await held.promise;
  });
  await inserted.promise;
  t.same(await list(), before, 'while the write awaits, a read does not see it');
  const find = await app.inject({ url: '/v1/organisations/لجنة-معلقة' });
  t.equal(find.statusCode, 404, 'nor does a find');
  held.resolve();
  await write;
  t.ok((await list()).includes('لجنة-معلقة'), 'the next read after the commit sees it');
  const found = await app.inject({ url: '/v1/organisations/لجنة-معلقة', headers: auth });
  t.equal(found.statusCode, 200);
});
