import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { everything } from '../../src/core/list/visibility.js';
import type { Services } from '../../src/core/services.js';
import { ChangeStream, changeWatcher } from '../../src/web/changes/stream.js';

type Feed = Services['changes'];
const noEvents = { events: [], more: false, through: 0 };

t.test('a poll of max(seq) that fails is told to onError, and the next poll still wakes the waiting stream', async (t) => {
  const errors: unknown[] = [];
  let polls = 0;
  const feed: Feed = {
    async page() {
      return noEvents;
    },
    async lastSeq() {
      polls += 1;
      if (polls === 1) throw new Error('database is busy');
      return 5;
    },
  };
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
  };
  const watcher = changeWatcher(feed, 1000, (error) => t.fail(String(error)));
  const stream = new ChangeStream(feed, watcher, 0, 60_000, () => everything);
  const failure = new Promise((resolve) => stream.once('error', resolve));
  stream.resume();
  t.match(await failure, { message: 'database is busy' });
  t.ok(stream.destroyed, 'the stream is destroyed');
});
