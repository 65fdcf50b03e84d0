import t from 'tap';
import { runAnnounceLoop } from '../../src/core/changes/announce-loop.js';
import { runBackgroundLoop } from '../../src/core/db/background-loop.js';
import { jobFailureLog } from '../../src/core/job-failures.js';
import { type DispatchStore, runDispatcher } from '../../src/core/webhooks/dispatcher.js';
import { until } from '../until.js';

/** A log that keeps its lines: level, message and the error's message. */
function recordingLog() {
  const lines: [string, string, string?][] = [];
  return {
    lines,
    error: (message: string, error: unknown) => lines.push(['error', message, error instanceof Error ? error.message : String(error)]),
    info: (message: string) => lines.push(['info', message]),
  };
}

/** A clock the test moves, in milliseconds. */
function fakeClock() {
  const clock = { now: 0, read: () => clock.now };
  return clock;
}

t.test('a job failing every second: its first failure, then a line a minute, then its recovery', async (t) => {
  const log = recordingLog();
  const clock = fakeClock();
  const upkeep = jobFailureLog(log, clock.read)('the upkeep');
  // 150 failures a second apart, from 0 to 149 s.
  for (let second = 0; second < 150; second += 1) {
    clock.now = second * 1000;
    upkeep.onError(new Error(`lock timeout ${second}`));
  }
  clock.now = 150_000;
  upkeep.onSuccess();
  t.same(log.lines, [
    ['error', 'the upkeep failed; retrying', 'lock timeout 0'],
    ['error', 'the upkeep is still failing: 60 failures since the last line, the last with this error', 'lock timeout 60'],
    ['error', 'the upkeep is still failing: 60 failures since the last line, the last with this error', 'lock timeout 120'],
    ['info', 'the upkeep recovered after 150 failures'],
  ]);
});

t.test('a job that succeeds logs nothing, and one that fails again after recovering starts over', async (t) => {
  const log = recordingLog();
  const clock = fakeClock();
  const purge = jobFailureLog(log, clock.read)('purging the trash');
  purge.onSuccess();
  purge.onSuccess();
  t.same(log.lines, [], 'nothing while it succeeds');
  purge.onError(new Error('busy'));
  clock.now = 59_999;
  purge.onError(new Error('still busy'));
  purge.onSuccess();
  purge.onSuccess();
  clock.now = 60_000;
  purge.onError(new Error('busy again'));
  purge.onSuccess();
  t.same(log.lines, [
    ['error', 'purging the trash failed; retrying', 'busy'],
    ['info', 'purging the trash recovered after 2 failures'],
    ['error', 'purging the trash failed; retrying', 'busy again'],
    ['info', 'purging the trash recovered after 1 failure'],
  ]);
});

t.test("each job keeps its own count: one job's failures neither hide nor end another's", async (t) => {
  const log = recordingLog();
  const clock = fakeClock();
  const failures = jobFailureLog(log, clock.read);
  const relinking = failures('relinking');
  const dispatch = failures('webhook dispatch');
  relinking.onError(new Error('a'));
  dispatch.onError(new Error('b'));
  clock.now = 1000;
  relinking.onError(new Error('c'));
  dispatch.onSuccess();
  clock.now = 61_000;
  relinking.onError(new Error('d'));
  relinking.onSuccess();
  t.same(log.lines, [
    ['error', 'relinking failed; retrying', 'a'],
    ['error', 'webhook dispatch failed; retrying', 'b'],
    ['info', 'webhook dispatch recovered after 1 failure'],
    ['error', 'relinking is still failing: 2 failures since the last line, the last with this error', 'd'],
    ['info', 'relinking recovered after 3 failures'],
  ]);
});

t.test('through the loop: a worker failing three times, then succeeding, logs its first failure and its recovery', async (t) => {
  const log = recordingLog();
  let calls = 0;
  const loop = runBackgroundLoop(
    {
      async step() {
        calls += 1;
        if (calls <= 3) throw new Error(`database is busy (${calls})`);
        return null;
      },
      async release() {},
    },
    { idleMs: 5, ...jobFailureLog(log)('relinking') },
  );
  await until(async () => calls >= 5);
  await loop.stop();
  t.same(log.lines, [
    ['error', 'relinking failed; retrying', 'database is busy (1)'],
    ['info', 'relinking recovered after 3 failures'],
  ]);
});

t.test('through the announcer: a turn that fails, then one that succeeds', async (t) => {
  const log = recordingLog();
  let turns = 0;
  const loop = runAnnounceLoop(
    {
      async announceDue() {
        turns += 1;
        if (turns === 1) throw new Error('database is busy');
      },
      nextDue: async () => null,
      onScheduled() {},
    },
    { clock: Date.now, idleMs: 5, ...jobFailureLog(log)('announcing scheduled publications') },
  );
  await until(async () => turns >= 3);
  await loop.stop();
  t.same(log.lines, [
    ['error', 'announcing scheduled publications failed; retrying', 'database is busy'],
    ['info', 'announcing scheduled publications recovered after 1 failure'],
  ]);
});

t.test('through the dispatcher: a delivery settled is a success, as a claim is', async (t) => {
  const log = recordingLog();
  const event = { seq: 1, resource: 'people', id: 'x', action: 'created', version: 1, at: '2026-01-01T00:00:00.000Z' } as const;
  let sendSecond = () => {};
  const second = new Promise<void>((resolve) => {
    sendSecond = resolve;
  });
  let looks = 0;
  const store: DispatchStore = {
    // The first look finds two deliveries due; every later one fails.
    async nextDue() {
      looks += 1;
      if (looks > 1) throw new Error(`claims are busy (${looks})`);
      return 0;
    },
    claim: async () => [1, 2].map((id) => ({ id, claim: 'c', attempts: 0, url: 'http://receiver.example/', secret: 's', event })),
    async settle(delivery) {
      if (delivery.id === 1) throw new Error('settling is busy');
      return true;
    },
    async release() {},
  };
  const dispatcher = runDispatcher({
    store,
    // The second delivery's send ends when the test says, after the first's settling and the next look have failed.
    send: async (delivery) => {
      if (delivery.headers['webhook-id'] === '2') await second;
      return { status: 200, error: null };
    },
    limits: { timeoutMs: 1000, concurrency: 4, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100, pollMs: 60_000 },
    ...jobFailureLog(log)('webhook dispatch'),
  });
  await until(async () => looks >= 2);
  sendSecond();
  await until(async () => looks >= 3);
  await dispatcher.stop();
  t.same(
    log.lines,
    [
      ['error', 'webhook dispatch failed; retrying', 'settling is busy'],
      ['info', 'webhook dispatch recovered after 2 failures'],
    ],
    'the next failure, within a minute of the last line, is counted for the next line',
  );
});

t.test('through the dispatcher: while settling fails, a look that finds nothing due is no recovery', async (t) => {
  const log = recordingLog();
  const event = { seq: 1, resource: 'people', id: 'x', action: 'created', version: 1, at: '2026-01-01T00:00:00.000Z' } as const;
  let looks = 0;
  let settles = 0;
  const store: DispatchStore = {
    // The first look finds a delivery due; the later ones nothing (it stays leased): reads pass, writes fail.
    async nextDue() {
      looks += 1;
      return looks === 1 ? 0 : null;
    },
    claim: async () => [{ id: 1, claim: 'c', attempts: 0, url: 'http://receiver.example/', secret: 's', event }],
    async settle() {
      settles += 1;
      throw new Error('the disk is full');
    },
    async release() {},
  };
  const dispatcher = runDispatcher({
    store,
    send: async () => ({ status: 200, error: null }),
    limits: { timeoutMs: 1000, concurrency: 1, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100, pollMs: 5 },
    ...jobFailureLog(log)('webhook dispatch'),
  });
  await until(async () => settles >= 1 && looks >= 4);
  await dispatcher.stop();
  t.same(log.lines, [['error', 'webhook dispatch failed; retrying', 'the disk is full']], 'the failure, and no recovery while nothing was written');
});

t.test('a job failing and succeeding in turn logs a line a minute, not two a failure', async (t) => {
  const log = recordingLog();
  const clock = fakeClock();
  const purge = jobFailureLog(log, clock.read)('purging the trash');
  // A failure at each whole second and a success half a second later, for 130 s.
  for (let second = 0; second < 130; second += 1) {
    clock.now = second * 1000;
    purge.onError(new Error(`busy ${second}`));
    clock.now += 500;
    purge.onSuccess();
  }
  t.same(log.lines, [
    ['error', 'purging the trash failed; retrying', 'busy 0'],
    ['info', 'purging the trash recovered after 1 failure'],
    ['error', 'purging the trash failed; retrying (59 failures before it since the last line)', 'busy 60'],
    ['info', 'purging the trash recovered after 1 failure'],
    ['error', 'purging the trash failed; retrying (59 failures before it since the last line)', 'busy 120'],
    ['info', 'purging the trash recovered after 1 failure'],
  ]);
});
