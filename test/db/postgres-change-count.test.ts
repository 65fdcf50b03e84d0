import t from 'tap';
import { changeCountReader } from '../../src/core/db/postgres-change-count.js';

/*
 * How requests share reads of the committed change count (src/core/db/postgres-change-count.ts): a read answers a
 * request only if it started after the request asked, since one started before may predate the commit it must see.
 */

/** A count reader over reads the test answers one by one, in the order they started. */
function controlledReads() {
  const started: Array<{ after: bigint | null; answer: (count: number) => void; fail: (error: Error) => void }> = [];
  const heard: number[] = [];
  const reader = changeCountReader(
    (after) => new Promise<number>((resolve, reject) => started.push({ after, answer: resolve, fail: reject })),
    (count) => heard.push(count),
  );
  return { reader, started, heard };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

t.test('a request arriving during a read waits for the next, which the requests arriving meanwhile share', async (t) => {
  const { reader, started, heard } = controlledReads();
  const done: string[] = [];
  const first = reader(null).then(() => done.push('first'));
  t.equal(started.length, 1, 'the first request starts a read at once');
  const second = reader(null).then(() => done.push('second'));
  const third = reader(null).then(() => done.push('third'));
  await settled();
  t.equal(started.length, 1, 'the later ones start none while it runs');
  started[0]!.answer(4);
  await first;
  await settled();
  t.same(done, ['first'], 'the read under way answers only the request it started for');
  t.equal(started.length, 2, 'the next read starts as it ends');
  started[1]!.answer(5);
  await Promise.all([second, third]);
  t.same(done, ['first', 'second', 'third'], 'and answers both that waited for it');
  t.same(heard, [4, 5], 'each count heard once');
  const after = reader(null);
  t.equal(started.length, 3, 'a request after them reads again');
  started[2]!.answer(5);
  await after;
});

t.test('a request carrying a position reads alone, for that position', async (t) => {
  const { reader, started, heard } = controlledReads();
  const plain = reader(null);
  const positioned = reader(7n);
  t.same(
    started.map(({ after }) => after),
    [null, 7n],
    'its read starts at once, routed by its position',
  );
  started[1]!.answer(9);
  await positioned;
  started[0]!.answer(8);
  await plain;
  t.same(heard, [9, 8], 'each read told its count');
});

t.test('a failed read fails the request it answers; one waiting for the next read is answered by it', async (t) => {
  const { reader, started, heard } = controlledReads();
  const failing = reader(null);
  const waiting = reader(null);
  started[0]!.fail(new Error('connection lost'));
  await t.rejects(failing, { message: 'connection lost' });
  await settled();
  t.equal(started.length, 2, 'the next read starts all the same');
  started[1]!.answer(3);
  await waiting;
  t.same(heard, [3], 'and its count is heard');
});
