import { sql } from 'drizzle-orm';
import type { Test } from 'tap';
import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { groupCommit } from '../../src/core/db/group-commit.js';
import { body, build, writesOf } from '../helper.js';

/*
 * A batch shares the event loop (core/db/group-commit.ts): once it has run its slice, its next statement waits for
 * the next turn, so what waits runs before the commit. The order of events shows it; no test here reads a clock.
 */

/** A table on the write connection, group commit over it pausing at every statement (a slice of 0 ms), and the reader's view. */
function notes(t: Test) {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  database.sqlite.exec('create table notes (text text not null)');
  // A batch's time no slow machine reaches: the writes a test queues together share one batch.
  const writes = groupCommit(database.sqlite, { sliceMs: 0, batchMs: 10_000 });
  const insert = sql`insert into notes (text) values (${sql.placeholder('text')})`;
  const read = database.reader.$client.prepare('select text from notes order by rowid').pluck();
  return { writes, insert, stored: () => read.all(), inTransaction: () => database.sqlite.inTransaction };
}

t.test('what waits for the event loop runs between a batch’s statements, before its commit, and reads the last commit', async (t) => {
  const { writes, insert, stored } = notes(t);
  const events: string[] = [];
  const write = writes
    .run(async (tx) => {
      events.push('write begins');
      for (const text of ['one', 'two', 'three']) await tx.prepare(insert).run({ text });
      events.push('write ends');
    })
    .then(() => events.push('committed'));
  // Queued after the batch's turn: without a pause it would run once the batch had committed.
  setImmediate(() => events.push(`waiting work saw ${stored().length} rows`));
  await write;
  t.same(events, ['write begins', 'waiting work saw 0 rows', 'write ends', 'committed']);
  t.same(stored(), ['one', 'two', 'three']);
});

t.test('pausing between statements, a batch’s writes still run one after another in order, and a failing one is undone alone', async (t) => {
  const { writes, insert, stored, inTransaction } = notes(t);
  const events: string[] = [];
  const seenMeanwhile: number[] = [];
  const write = (text: string, fail = false) =>
    writes.run(async (tx) => {
      events.push(`start ${text}`);
      await tx.prepare(insert).run({ text });
      await tx.prepare(insert).run({ text: `${text} again` });
      if (fail) throw new Error('refused');
      events.push(`end ${text}`);
    });
  const writing = Promise.allSettled([write('first'), write('second', true), write('third')]);
  let settled = false;
  const look = () => {
    if (settled) return;
    if (inTransaction()) seenMeanwhile.push(stored().length);
    setImmediate(look);
  };
  setImmediate(look);
  const results = await writing;
  settled = true;
  t.same(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  // The batch ran without savepoints first, then again up to the second, one savepoint a write, once the second had
  // failed; the third, never started, went to the next batch.
  t.same(events, ['start first', 'end first', 'start second', 'start first', 'end first', 'start second', 'start third', 'end third'], 'none beside another, in the order queued');
  t.same(stored(), ['first', 'first again', 'third', 'third again'], "the failed write's rows are gone, the others' stored once");
  t.ok(seenMeanwhile.length > 1, `work waiting for the loop ran while the batch was open (${seenMeanwhile.length} turns)`);
  t.ok(
    seenMeanwhile.includes(0) && seenMeanwhile.every((rows) => rows === 0 || rows === 2),
    `and saw only committed rows: none, then the first batch's two (${[...new Set(seenMeanwhile)].join(', ')})`,
  );
});

t.test('through the API: a read asked for while a batch of article writes runs is answered before the batch commits, as the last commit stood', async (t) => {
  const app = await build(t);
  const slugs = async () => body(await app.inject({ url: '/v1/articles?limit=100' })).data.map((article: { slug: string }) => article.slug);
  const before = await slugs();
  const events: string[] = [];
  const article = (n: number) => ({ slug: `خبر-الدفعة-${n}`, title: `خبر الدفعة ${n}`, language: 'ar', body: [{ type: 'paragraph' as const, text: `التقى العدواني بالوفد في الجولة ${n}.` }] });
  const created = Promise.all(Array.from({ length: 8 }, (_, n) => writesOf(app).articles.create(article(n)))).then(() => events.push('writes committed'));
  // Queued after the batch's turn: without a pause the batch would commit first.
  const read = new Promise<string[]>((resolve) => setImmediate(() => resolve(slugs()))).then((seen) => {
    events.push('read answered');
    return seen;
  });
  const [seen] = await Promise.all([read, created]);
  t.same(events, ['read answered', 'writes committed']);
  t.same(seen, before, 'the read saw the articles as they were before the batch');
  t.equal((await slugs()).filter((slug: string) => slug.startsWith('خبر-الدفعة-')).length, 8, 'a read after the commit sees them all');
});

t.test("a write's caller goes on in a turn after the commit's: what waits runs between, and sees the commit", async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  database.sqlite.exec('create table notes (text text not null)');
  // No pause inside the batch: the write and its commit run in one turn.
  const writes = groupCommit(database.sqlite, { sliceMs: Number.POSITIVE_INFINITY });
  const insert = database.sqlite.prepare('insert into notes (text) values (?)');
  const count = database.reader.$client.prepare('select count(*) from notes').pluck();
  const events: string[] = [];
  await writes
    .run(() => {
      setImmediate(() => events.push(`waiting work saw ${count.get()} rows`));
      insert.run('one');
    })
    .then(() => events.push('the write settled'));
  t.same(events, ['waiting work saw 1 rows', 'the write settled']);
});

t.test('a batch beside an event loop kept busy still gets a fair share of it: it commits within a bounded number of the loop’s turns', async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  database.sqlite.exec('create table notes (text text not null)');
  const writes = groupCommit(database.sqlite, { sliceMs: 0.25 });
  const insert = sql`insert into notes (text) values (${sql.placeholder('text')})`;
  /** Work of about `ms` on the thread, as a request's or a write's CPU. */
  const work = (ms: number) => {
    for (const end = performance.now() + ms; performance.now() < end; );
  };
  // Readers that always have something ready: each turn of the loop takes 2 ms of theirs.
  let turns = 0;
  let competing = true;
  const busyLoop = () => {
    if (!competing) return;
    turns++;
    work(2);
    setImmediate(busyLoop);
  };
  setImmediate(busyLoop);
  await writes.run(async (tx) => {
    for (let i = 0; i < 40; i++) {
      work(0.5);
      await tx.prepare(insert).run({ text: `note ${i}` });
    }
  });
  competing = false;
  // 20 ms of writing: in shares as long as the loop's turns, about 10 turns; in slices of 0.25 ms, one per statement (40).
  t.ok(turns <= 25, `the write committed after ${turns} turns of the busy loop`);
  t.equal(database.reader.$client.prepare('select count(*) from notes').pluck().get(), 40, 'every statement of it stored');
});

t.test('the next batch begins while the last batch’s callers are still being told, a turn each, in order', async (t) => {
  const { writes, insert } = notes(t);
  const events: string[] = [];
  const first = ['a', 'b', 'c'].map((text) => writes.run((tx) => tx.prepare(insert).run({ text })).then(() => events.push(`${text} told`)));
  // Queued while the first batch runs (it pauses at each statement): the next batch's.
  const next = new Promise((resolve) => setImmediate(resolve)).then(() =>
    writes.run(async (tx) => {
      events.push('next batch begins');
      await tx.prepare(insert).run({ text: 'd' });
    }),
  );
  await Promise.all([...first, next]);
  t.same(
    events.filter((event) => event.endsWith('told')),
    ['a told', 'b told', 'c told'],
    'the callers in order',
  );
  t.ok(events.indexOf('next batch begins') < events.indexOf('c told'), `the writer did not wait for them: ${events.join(', ')}`);
});
