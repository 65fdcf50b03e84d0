import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Sqlite from 'better-sqlite3';
import type { Test } from 'tap';
import t from 'tap';
import { startCheckpointer } from '../../src/core/db/checkpointer.js';
import { checkpointThreadDelayMs, openDatabase, walBoundBytes } from '../../src/core/db/database.js';

const tempDir = (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-checkpoint-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
const walBytes = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
const mb = 2 ** 20;
/** A row of 64 KB: eight pages of 8 KB in the WAL. */
const row = 'x'.repeat(64 * 1024);

t.test('the serving connection leaves checkpoints to the thread, and the WAL stays small under sustained writes', async (t) => {
  const file = join(tempDir(t), 'khabar.db');
  const database = openDatabase(`file:${file}`, { serving: true });
  t.equal(database.sqlite.pragma('wal_autocheckpoint', { simple: true }), walBoundBytes / 8192, 'a commit checkpoints only past the bound (16 MB), not every 1,000 pages');
  database.sqlite.exec('create table bulk (n integer primary key, body text)');
  const insert = database.sqlite.prepare('insert into bulk (n, body) values (?, ?)');
  await sleep(checkpointThreadDelayMs + 1000); // the thread starts after a server's start, and boots
  // 30 MB in steps of 1 MB, a pause after each: only the thread can have kept the WAL below the bound.
  const writes = 480;
  let largest = 0;
  for (let n = 1; n <= writes; n++) {
    insert.run(n, row);
    largest = Math.max(largest, walBytes(file));
    if (n % 16 === 0) await sleep(120);
  }
  t.ok(largest < 8 * mb, `the WAL peaked at ${(largest / mb).toFixed(1)} MB over ${(writes * row.length) / mb} MB written`);
  database.close();
  t.notOk(existsSync(`${file}-wal`), 'closing stops the thread first, so the serving connection is the last and removes the WAL');
  const reopened = new Sqlite(file, { readonly: true });
  t.teardown(() => reopened.close());
  t.equal(reopened.prepare('select count(*) from bulk').pluck().get(), writes, 'no commit was lost');
});

t.test('a writer that never pauses leaves the thread no moment to restart the WAL: the bound holds it', async (t) => {
  const file = join(tempDir(t), 'busy.db');
  const database = openDatabase(`file:${file}`, { serving: true });
  t.teardown(() => database.close());
  database.sqlite.exec('create table bulk (n integer primary key, body text)');
  const insert = database.sqlite.prepare('insert into bulk (n, body) values (?, ?)');
  const writes = 1280; // 80 MB, one transaction after another, the event loop never free
  let largest = 0;
  for (let n = 1; n <= writes; n++) {
    insert.run(n, row);
    largest = Math.max(largest, walBytes(file));
  }
  t.ok(largest < 56 * mb, `the WAL peaked at ${(largest / mb).toFixed(1)} MB over ${(writes * row.length) / mb} MB written`);
});

t.test('a checkpoint thread that fails hands checkpoints back, and its stop does not wait', async (t) => {
  let fellBack = false;
  const checkpointer = startCheckpointer(join(tempDir(t), 'missing.db'), 1000, () => (fellBack = true));
  for (let waited = 0; !fellBack && waited < 10_000; waited += 20) await sleep(20);
  t.ok(fellBack, 'the failure was reported, so the connection turns its automatic checkpoints back on');
  const started = performance.now();
  checkpointer.stop();
  t.ok(performance.now() - started < 500, 'stopping a thread that has ended returns at once');
});
