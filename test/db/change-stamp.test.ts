import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { changeStamp, memoAtStamp } from '../../src/core/db/change-stamp.js';
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
  await writeOnSqlite(reader.db.$client, (tx) => createRepositories().organisations.create(tx, { slug: 'org', name: 'منظمة', kind: 'other', country: null, parent_id: null }));
  const afterOwn = stamp();
  t.not(afterOwn, first, 'a write by this connection');
  await writeOnSqlite(writer.db.$client, (tx) => createRepositories().organisations.create(tx, { slug: 'org-2', name: 'منظمة ٢', kind: 'other', country: null, parent_id: null }));
  t.not(stamp(), afterOwn, 'a commit by another connection (another worker)');
});

t.test('a memo at the stamp is emptied by a write, this connection’s or another’s, and holds at most its bound', async (t) => {
  const { reader, writer } = twoConnections(t);
  const memo = memoAtStamp<number>(changeStamp(reader.db), 2);
  memo().set('a', 1);
  t.equal(memo().get('a'), 1, 'kept while nothing is written');
  await writeOnSqlite(reader.db.$client, (tx) => createRepositories().organisations.create(tx, { slug: 'org', name: 'منظمة', kind: 'other', country: null, parent_id: null }));
  t.equal(memo().get('a'), undefined, 'emptied by a write of this connection');
  memo().set('a', 1);
  await writeOnSqlite(writer.db.$client, (tx) => createRepositories().organisations.create(tx, { slug: 'org-2', name: 'منظمة ٢', kind: 'other', country: null, parent_id: null }));
  t.equal(memo().get('a'), undefined, 'emptied by a commit of another');
  for (const key of ['a', 'b', 'c']) memo().set(key, 1);
  t.same(
    ['a', 'b', 'c'].map((key) => memo().get(key)),
    [undefined, 1, 1],
    'at most two, the least recently used gone',
  );
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

t.test("the read connection's stamp, the one requests read, moves on a commit and not on a write rolled back", async (t) => {
  const { reader: database } = twoConnections(t);
  const stamp = changeStamp(database.reader);
  const repositories = createRepositories();
  const first = stamp();
  const failing = writeOnSqlite(database.sqlite, async (tx) => {
    await repositories.organisations.create(tx, { slug: 'undone', name: 'منظمة', kind: 'other', country: null, parent_id: null });
    throw new Error('undone');
  });
  await t.rejects(failing, /undone/);
  t.equal(stamp(), first, 'a write rolled back leaves it');
  await writeOnSqlite(database.sqlite, (tx) => repositories.organisations.create(tx, { slug: 'kept', name: 'منظمة', kind: 'other', country: null, parent_id: null }));
  t.not(stamp(), first, 'a commit moves it');
});
