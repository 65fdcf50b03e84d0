import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { runAnnounceLoop } from '../../src/core/changes/announce-loop.js';
import { runBackgroundLoop } from '../../src/core/db/background-loop.js';
import { type DispatchStore, runDispatcher } from '../../src/core/webhooks/dispatcher.js';
import type { ClaimedDelivery } from '../../src/core/webhooks/outbox.js';
import { toldCommits } from '../told-commits.js';

/** An onError that fails the test with what it was told. */
const unexpected = (t: Test) => (error: unknown) => t.fail(String(error));

/** A promise and the function that settles it, for a step the test finishes when it chooses. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

t.test('a loop runs one step at a time, however long a step takes', async (t) => {
  let running = 0;
  let mostAtOnce = 0;
  let steps = 0;
  const loop = runBackgroundLoop(
    {
      async step() {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await sleep(15);
        running -= 1;
        steps += 1;
        // Always work: the loop asks again at once, on the next turn of the event loop.
        return steps;
      },
      async release() {},
    },
    { idleMs: 1, onError: unexpected(t) },
  );
  await sleep(200);
  await loop.stop();
  t.ok(steps >= 3, `${steps} steps ran`);
  t.equal(mostAtOnce, 1, 'never two steps at once');
});

t.test('stop waits for the step under way, then releases, and no step starts after', async (t) => {
  const events: string[] = [];
  const gate = deferred();
  let calls = 0;
  const loop = runBackgroundLoop(
    {
      async step() {
        calls += 1;
        events.push('step started');
        await gate.promise;
        events.push('step ended');
        return 1;
      },
      async release() {
        events.push('released');
      },
    },
    { onError: unexpected(t) },
  );
  await sleep(20);
  t.same(events, ['step started'], 'the first step is under way');
  let stopped = false;
  const stopping = loop.stop().then(() => {
    stopped = true;
  });
  await sleep(20);
  t.notOk(stopped, 'stop has not resolved while the step runs');
  gate.resolve();
  await stopping;
  t.same(events, ['step started', 'step ended', 'released'], 'released after the step ended');
  await sleep(20);
  t.equal(calls, 1, 'no step after stop');
});

/** A worker whose first step fails and which then has nothing to do; `calls` counts its steps. */
function failingOnce() {
  const worker = {
    calls: 0,
    async step() {
      worker.calls += 1;
      if (worker.calls === 1) throw new Error('database is busy');
      return null;
    },
    async release() {},
  };
  return worker;
}

t.test('a step that fails is told to onError, and the loop carries on', async (t) => {
  const errors: unknown[] = [];
  const worker = failingOnce();
  const loop = runBackgroundLoop(worker, { idleMs: 5, onError: (error) => errors.push(error) });
  await sleep(100);
  await loop.stop();
  t.match(errors, [{ message: 'database is busy' }], 'the failure was told once');
  t.ok(worker.calls >= 2, `the loop looked again (${worker.calls} steps)`);
});

t.test('the announcer: a publication scheduled while a turn reads is still announced at its time', async (t) => {
  let clock = 1_000_000;
  const reading = deferred();
  const listeners: Array<(due: string) => void> = [];
  let turns = 0;
  const loop = runAnnounceLoop(
    {
      async announceDue() {
        turns += 1;
      },
      async nextDue() {
        // The first turn's read answers only after a write scheduled a publication: it did not see it.
        if (turns === 1) await reading.promise;
        return null;
      },
      onScheduled(listener) {
        listeners.push(listener);
      },
    },
    { clock: () => clock, idleMs: 60_000, onError: unexpected(t) },
  );
  t.equal(turns, 1, 'the first turn starts at once');
  for (const listener of listeners) listener(new Date(clock + 30).toISOString());
  reading.resolve();
  await loop.first;
  clock += 30;
  await sleep(100);
  await loop.stop();
  t.equal(turns, 2, 'a second turn ran at the scheduled time, not after the 60 s idle wait');
});

const limits = { timeoutMs: 1000, concurrency: 4, maxAttempts: 3, retryBaseMs: 10, retryMaxMs: 100, pollMs: 5 };
const event = { seq: 1, resource: 'people', id: 'x', action: 'created', version: 1, at: '2026-01-01T00:00:00.000Z' } as ClaimedDelivery['event'];

t.test('the dispatcher claims once at a time: a send that ends during a slow claim waits for it', async (t) => {
  let claiming = 0;
  let mostAtOnce = 0;
  let nextId = 1;
  const settled: number[] = [];
  const store: DispatchStore = {
    async nextDue() {
      return 0;
    },
    async claim(free) {
      claiming += 1;
      mostAtOnce = Math.max(mostAtOnce, claiming);
      await sleep(10);
      claiming -= 1;
      return Array.from({ length: Math.min(free, 1) }, () => ({ id: nextId++, claim: 'c', attempts: 0, url: 'http://receiver.example/', secret: 's', event }));
    },
    async settle(delivery) {
      settled.push(delivery.id);
      return true;
    },
    async release() {},
  };
  // A send outlasts a claim: each ends, asking for a turn, while a later claim is still reading.
  const send = async () => {
    await sleep(15);
    return { status: 200, error: null };
  };
  const dispatcher = runDispatcher({ store, send, limits: { ...limits, pollMs: 1 }, onError: unexpected(t) });
  await sleep(150);
  await dispatcher.stop();
  t.ok(settled.length >= 4, `${settled.length} deliveries sent`);
  t.equal(mostAtOnce, 1, 'never two claims at once');
});

t.test('the dispatcher: a send that throws is a failed attempt, settled for a retry, and frees its slot', async (t) => {
  const settled: Array<{ id: number; status: string; attempts: number; error: string | null }> = [];
  let claims = 0;
  const store: DispatchStore = {
    async nextDue() {
      return 0;
    },
    async claim() {
      claims += 1;
      return claims <= 2 ? [{ id: claims, claim: 'c', attempts: 0, url: 'not a url', secret: 's', event }] : [];
    },
    async settle(delivery, outcome) {
      settled.push({ id: delivery.id, status: outcome.status, attempts: outcome.attempts, error: outcome.error });
      return true;
    },
    async release() {},
  };
  const send = async () => {
    throw new TypeError('Invalid URL');
  };
  // One delivery at a time: the second is claimed only once the first's slot is free.
  const dispatcher = runDispatcher({ store, send, limits: { ...limits, concurrency: 1, pollMs: 1 }, onError: unexpected(t) });
  await sleep(100);
  await dispatcher.stop();
  t.same(
    settled,
    [1, 2].map((id) => ({ id, status: 'pending', attempts: 1, error: 'Invalid URL' })),
    'each settled as a failed first attempt, pending its retry',
  );
});

t.test('the dispatcher: stop waits for a claim under way and gives back what it claimed', async (t) => {
  const claim = deferred();
  const released: number[] = [];
  const store: DispatchStore = {
    async nextDue() {
      return 0;
    },
    async claim() {
      await claim.promise;
      return [{ id: 7, claim: 'c', attempts: 0, url: 'http://receiver.example/', secret: 's', event }];
    },
    async settle() {
      return t.fail('an attempt cut short by stop is not settled');
    },
    async release(delivery) {
      released.push(delivery.id);
    },
  };
  const dispatcher = runDispatcher({
    store,
    send: (_delivery, signal) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve({ status: null, error: 'aborted' }));
      }),
    limits,
    onError: unexpected(t),
  });
  await sleep(20);
  const stopping = dispatcher.stop();
  claim.resolve();
  await stopping;
  t.same(released, [7], 'the delivery claimed during stop is given back when stop resolves');
});

/** Waits until `done` holds, for 5 s at most. */
async function until(done: () => boolean) {
  for (const deadline = Date.now() + 5_000; !done() && Date.now() < deadline; ) await sleep(5);
}

t.test('while commits are told, an idle loop looks after one, no sooner than idleMs after its last look, and else only at the fallback', async (t) => {
  const looks: number[] = [];
  const told = toldCommits();
  const loop = runBackgroundLoop(
    {
      async step() {
        looks.push(performance.now());
        return null;
      },
      async release() {},
    },
    { idleMs: 300, notices: told.notices, onError: unexpected(t) },
  );
  await sleep(700);
  t.equal(looks.length, 1, 'the first look at once, then none for 700 ms although idleMs is 300: nothing was told');
  told.tell();
  await until(() => looks.length === 2);
  t.equal(looks.length, 2, 'a commit told: it looks at once, its last look being long past');
  for (let i = 0; i < 20; i++) told.tell();
  await sleep(100);
  t.equal(looks.length, 2, 'twenty commits told just after: no look within 100 ms');
  await until(() => looks.length === 3);
  t.equal(looks.length, 3, 'one more look for the twenty');
  t.ok(looks[2]! - looks[1]! >= 290, `idleMs after the last look (${Math.round(looks[2]! - looks[1]!)} ms): no more looks than polling made`);
  await sleep(400);
  t.equal(looks.length, 3, 'then none while nothing is told');
  await loop.stop();
  t.equal(told.listening(), 0, 'stopped, it listens no more');
});

t.test('while commits are told, a step that fails is tried again after idleMs', async (t) => {
  const worker = failingOnce();
  const loop = runBackgroundLoop(worker, { idleMs: 20, notices: toldCommits().notices, onError: () => undefined });
  await until(() => worker.calls === 2);
  await loop.stop();
  t.equal(worker.calls, 2, 'tried again, not left to the fallback');
});

t.test('the dispatcher, while commits are told, looks when the earliest pending delivery comes due', async (t) => {
  const told = toldCommits();
  const dueAt = Date.now() + 300;
  const claims: number[] = [];
  const store: DispatchStore = {
    async nextDue() {
      return claims.length === 0 ? dueAt : null;
    },
    async claim() {
      claims.push(Date.now());
      return [];
    },
    async settle() {
      return true;
    },
    async release() {},
  };
  const dispatcher = runDispatcher({ store, send: async () => ({ status: 200, error: null }), limits: { ...limits, pollMs: 50 }, notices: told.notices, onError: unexpected(t) });
  await until(() => claims.length > 0);
  await dispatcher.stop();
  t.equal(claims.length, 1, 'one claim');
  t.ok(claims[0]! >= dueAt && claims[0]! < dueAt + 2_000, `claimed ${claims[0]! - dueAt} ms after the due time, not at the 10 s fallback`);
});

t.test('the dispatcher, while commits are told, claims after one and not before', async (t) => {
  const told = toldCommits();
  let pending = false;
  let looks = 0;
  const claimed: number[] = [];
  const store: DispatchStore = {
    async nextDue() {
      looks += 1;
      return pending ? 0 : null;
    },
    async claim(free) {
      claimed.push(free);
      pending = false;
      return [];
    },
    async settle() {
      return true;
    },
    async release() {},
  };
  const dispatcher = runDispatcher({ store, send: async () => ({ status: 200, error: null }), limits: { ...limits, pollMs: 20 }, notices: told.notices, onError: unexpected(t) });
  await sleep(300);
  t.equal(looks, 1, 'one look at the start, none while nothing is told (pollMs is 20)');
  pending = true;
  told.tell();
  await until(() => claimed.length === 1);
  await dispatcher.stop();
  t.same(claimed, [limits.concurrency], 'a commit told: it looked and claimed');
});
