import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { noCommitNotices } from '../../src/core/db/commit-notices.js';
import { everything } from '../../src/core/list/visibility.js';
import { ChangeStream, changeWatcher, type StreamFeed as Feed } from '../../src/web/changes/stream.js';
import { toldCommits } from '../told-commits.js';

const noEvents = { events: [], more: false, through: 0 };
/** A feed of no events whose newest seq `lastSeq` reads. */
const feedOf = (lastSeq: Feed['lastSeq'], notices = noCommitNotices): Feed => ({ page: async () => noEvents, lastSeq, notices });

t.test('a poll of max(seq) that fails is told to onError, and the next poll still wakes the waiting stream', async (t) => {
  const errors: unknown[] = [];
  let polls = 0;
  const feed = feedOf(async () => {
    polls += 1;
    if (polls === 1) throw new Error('database is busy');
    return 5;
  });
  const watcher = changeWatcher(feed, 5, (error) => errors.push(error));
  let woken = 0;
  watcher.wait(0, () => {
    woken += 1;
  });
  await sleep(100);
  watcher.cancel(() => {});
  t.match(errors, [{ message: 'database is busy' }], 'the failed poll is told once');
  t.equal(woken, 1, 'the stream is woken once a later poll sees seq 5');
});

t.test('a page that fails ends the stream with the error, for the client to reconnect with Last-Event-ID', async (t) => {
  const feed: Feed = {
    async page() {
      throw new Error('database is busy');
    },
    async lastSeq() {
      return 0;
    },
    notices: noCommitNotices,
  };
  const watcher = changeWatcher(feed, 1000, (error) => t.fail(String(error)));
  const stream = new ChangeStream(feed, watcher, 0, 60_000, () => everything);
  const failure = new Promise((resolve) => stream.once('error', resolve));
  stream.resume();
  t.match(await failure, { message: 'database is busy' });
  t.ok(stream.destroyed, 'the stream is destroyed');
});

t.test('while commits are told, the watcher reads max(seq) when one is told, not every pollMs', async (t) => {
  const told = toldCommits();
  let newest = 0;
  let reads = 0;
  const feed = feedOf(async () => {
    reads += 1;
    return newest;
  }, told.notices);
  const watcher = changeWatcher(feed, 5, (error) => t.fail(String(error)));
  let woken = 0;
  watcher.wait(0, () => {
    woken += 1;
  });
  await sleep(200);
  // The first wait looks once (what was committed before the watcher listened was not told), then waits to be told.
  t.equal(reads, 1, 'one read in 200 ms although pollMs is 5: the first, nothing told since');
  newest = 3;
  told.tell();
  for (let waited = 0; woken === 0 && waited < 5_000; waited += 5) await sleep(5);
  t.equal(woken, 1, 'a commit told: the stream is woken');
  t.equal(reads, 2, 'after one more read');
  t.equal(told.listening(), 0, 'no stream waits: the watcher listens no more');
});

t.test('a commit told while the watcher reads is read again after', async (t) => {
  const told = toldCommits();
  let newest = 2;
  let reads = 0;
  let release = () => {};
  const feed = feedOf(async () => {
    reads += 1;
    // The first read answers what was committed before the commit told during it.
    if (reads === 1) await new Promise<void>((resolve) => (release = resolve));
    return reads === 1 ? 2 : newest;
  }, told.notices);
  const watcher = changeWatcher(feed, 5, (error) => t.fail(String(error)));
  let woken = 0;
  watcher.wait(2, () => {
    woken += 1;
  });
  told.tell();
  await sleep(20);
  newest = 3;
  told.tell();
  release();
  for (let waited = 0; woken === 0 && waited < 5_000; waited += 5) await sleep(5);
  t.equal(woken, 1, 'woken by the read after');
  t.equal(reads, 2, 'two reads: the one under way, and one for the commit told during it');
});

t.test('while commits are told, a stream that waits again still behind the newest seq is looked for after pollMs', async (t) => {
  const told = toldCommits();
  let reads = 0;
  const feed = feedOf(async () => {
    reads += 1;
    return 100;
  }, told.notices);
  const watcher = changeWatcher(feed, 5, (error) => t.fail(String(error)));
  let wokenBehind = false;
  // As a public stream does after a window of hidden events: woken, it reads through 50 and waits again.
  watcher.wait(0, () =>
    watcher.wait(50, () => {
      wokenBehind = true;
    }),
  );
  told.tell();
  for (let waited = 0; !wokenBehind && waited < 2_000; waited += 5) await sleep(5);
  t.ok(wokenBehind, 'woken again without another commit told, not left to the 10 s fallback');
  t.equal(reads, 2, 'after one more read');
});

t.test('a wait that starts the watcher looks within pollMs: commits told while no stream waited went unheard', async (t) => {
  const told = toldCommits();
  let newest = 5;
  const watcher = changeWatcher(
    feedOf(async () => newest, told.notices),
    20,
    (error) => t.fail(String(error)),
  );
  const wakes: number[] = [];
  const began = performance.now();
  // The first stream waits, is woken by a commit told, and stops waiting: the watcher stops listening.
  watcher.wait(5, () => wakes.push(performance.now() - began));
  newest = 6;
  told.tell();
  await sleep(100);
  t.equal(wakes.length, 1, 'the first stream is woken by the commit told');
  // Seq 7 commits, told to no one; then a stream waits past 6 (its page read before 7) on a stale newest.
  newest = 7;
  told.tell();
  watcher.wait(6, () => wakes.push(performance.now() - began));
  await sleep(1_000);
  watcher.cancel(() => {});
  t.equal(wakes.length, 2, 'the second stream is woken within a second, not at the 10 s fallback');
});
