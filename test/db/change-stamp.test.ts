import t from 'tap';
import { changeClock, changeStamp } from '../../src/db/change-stamp.js';
import { openDatabase } from '../../src/db/database.js';
import { createRepositories } from '../../src/resources/index.js';

t.test('the change clock keeps the time it first saw the current data', async (t) => {
  const database = openDatabase('file::memory:');
  t.teardown(() => database.close());
  let now = 1_000;
  const lastChange = changeClock(changeStamp(database.db), () => now);
  now = 2_000;
  t.equal(lastChange(), 1_000, 'before any write: when the clock started');
  createRepositories(database.db).organisations.create({ slug: 'org', name: 'منظمة', kind: 'other', country: null, parent_id: null });
  now = 3_000;
  t.equal(lastChange(), 3_000, 'a write is seen at the next read, never before it happened');
  now = 4_000;
  t.equal(lastChange(), 3_000, 'and kept while nothing changes');
});

t.test('the change clock reads the stamp at most every 50 ms', async (t) => {
  let now = 0;
  let reads = 0;
  let stamp = 'a';
  const lastChange = changeClock(
    () => {
      reads++;
      return stamp;
    },
    () => now,
  );
  stamp = 'b';
  now = 49;
  t.equal(lastChange(), 0, 'within 50 ms of the last read: the time it holds');
  t.equal(reads, 1, 'and no read of the stamp');
  now = 50;
  t.equal(lastChange(), 50, 'then the change is seen');
  t.equal(reads, 2);
});
