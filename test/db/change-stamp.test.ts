import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { changeStamp, memoAtStamp, stampedMemo } from '../../src/core/db/change-stamp.js';
import { openDatabase } from '../../src/core/db/database.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import { createRepositories } from '../../src/core/resources/index.js';

/** Two connections to one database file, as two worker processes have: closed, and the file removed, at the end. */
function twoConnections(t: Test) {
  const directory = mkdtempSync(join(tmpdir(), 'khabar-stamp-'));
  t.teardown(() => rmSync(directory, { recursive: true, force: true }));
  const url = `file:${join(directory, 'stamp.db')}`;
  const reader = openDatabase(url);
  const writer = openDatabase(url);
  t.teardown(() => {
    reader.close();
    writer.close();
  });
  return { reader, writer };
}

t.test('the change stamp moves on a write by this connection and on a commit by another', async (t) => {
  const { reader, writer } = twoConnections(t);
  const stamp = changeStamp(reader.db);
  const first = stamp();
  t.equal(stamp(), first, 'unchanged while nothing is written');
  await writeOnSqlite(reader.db.$client, (tx) => createRepositories(reader.db).organisations.create(tx, { slug: 'org', name: 'منظمة', kind: 'other', country: null, parent_id: null }));
  const afterOwn = stamp();
  t.not(afterOwn, first, 'a write by this connection');
  await writeOnSqlite(writer.db.$client, (tx) => createRepositories(writer.db).organisations.create(tx, { slug: 'org-2', name: 'منظمة ٢', kind: 'other', country: null, parent_id: null }));
  t.not(stamp(), afterOwn, 'a commit by another connection (another worker)');
});

t.test('a stamped memo is emptied by a write, this connection’s or another’s, and holds at most its bound', async (t) => {
  const { reader, writer } = twoConnections(t);
  const memo = stampedMemo<number>(reader.db, 2);
  memo().set('a', 1);
  t.equal(memo().get('a'), 1, 'kept while nothing is written');
  await writeOnSqlite(reader.db.$client, (tx) => createRepositories(reader.db).organisations.create(tx, { slug: 'org', name: 'منظمة', kind: 'other', country: null, parent_id: null }));
  t.equal(memo().get('a'), undefined, 'emptied by a write of this connection');
  memo().set('a', 1);
  await writeOnSqlite(writer.db.$client, (tx) => createRepositories(writer.db).organisations.create(tx, { slug: 'org-2', name: 'منظمة ٢', kind: 'other', country: null, parent_id: null }));
  t.equal(memo().get('a'), undefined, 'emptied by a commit of another');
  for (const key of ['a', 'b', 'c']) memo().set(key, 1);
  t.same([memo().size, memo().get('a')], [2, undefined], 'at most two, the least recently used gone');
});

t.test('a memo read across awaits keeps no value derived before the stamp moved, once another reader has seen it move', async (t) => {
  let stamp = 's1';
  const memo = memoAtStamp<string>(() => stamp, 4);
  const slow = memo();
  t.equal(slow.get('k'), undefined, 'nothing yet at s1');
  // While the slow reader awaits its data, a commit moves the stamp and another reader derives at the new one.
  stamp = 's2';
  const fast = memo();
  fast.set('k', 'after the commit');
  slow.set('k', 'before the commit');
  t.equal(memo().get('k'), 'after the commit', 'the value derived before the commit is not kept over the one after it');
  const unhurried = memo();
  unhurried.set('j', 'at s2');
  t.equal(memo().get('j'), 'at s2', 'a reader whose stamp is still the stamp keeps its value');
  stamp = 's3';
  t.equal(memo().get('k'), undefined, 'the next stamp empties it');
});
