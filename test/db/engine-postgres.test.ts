import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import t, { type Test } from 'tap';
import type { EngineLog } from '../../src/core/db/engine.js';
import { openPostgresEngine } from '../../src/core/db/engine-postgres.js';
import { clusterAdmin, startPostgres } from '../postgres.js';
import { startTcpProxy } from '../tcp-proxy.js';

/*
 * PostgreSQL's engine (core/db/engine-postgres.ts): a process's appending writes take a pooled connection one at a
 * time, so that writes queued behind the feed's lock leave the pool's other connections to reads.
 */

t.setTimeout(120_000);

const log: EngineLog = { warn: () => undefined, info: () => undefined };

/** A fresh database named after `name`, on a cluster of the test's own. */
async function freshDatabase(t: Test, name: string): Promise<string> {
  const { fresh } = await clusterAdmin(t, await startPostgres(t));
  return (await fresh(name)).url;
}

/** A node's engine on `url` with a pool of `poolMax`, closed at the test's end. */
async function engineOn(t: Test, url: string, poolMax: number) {
  const engine = await openPostgresEngine(url, { poolMax, log });
  t.teardown(() => engine.close());
  return engine;
}

/** A session of its own on `url` (another node's, or the test's), ended at the test's end. */
async function sessionOn(t: Test, url: string): Promise<pg.Client> {
  const session = new pg.Client(url);
  await session.connect();
  t.teardown(() => session.end());
  return session;
}

/** An engine on a fresh database whose connections go through a TCP proxy, for the test to do to them what a network can. */
async function engineThroughProxy(t: Test, name: string, poolMax: number) {
  const url = await freshDatabase(t, name);
  const proxy = await startTcpProxy(t, url);
  return { url, proxy, engine: await engineOn(t, proxy.through(url), poolMax) };
}

/** An engine on a fresh database, and another session holding the feed's lock (as another node's write would). */
async function engineWithFeedLockHeld(t: Test, name: string) {
  const url = await freshDatabase(t, name);
  const engine = await engineOn(t, url, 3);
  const holder = await sessionOn(t, url);
  await holder.query('begin; lock table changes_counter in exclusive mode');
  return { engine, holder };
}

t.test("a read is served while the process's appending writes queue, not after them", async (t) => {
  const engine = await engineOn(t, await freshDatabase(t, 'queued'), 3);
  let committed = 0;
  const writes = Array.from({ length: 8 }, () =>
    engine.writes
      .run(async (tx) => {
        await tx.prepare(sql`select pg_sleep(0.04)`).all();
      })
      .then(() => {
        committed += 1;
      }),
  );
  // Queued after the eight: with each write holding a connection while it waits for the feed's lock, the read's
  // connection would come only after six of them had committed (three connections, handed out in order).
  const read = await engine.reads.prepare(sql<{ one: number }>`select 1 as one`).all();
  const committedBeforeRead = committed;
  await Promise.all(writes);
  t.same(read, [{ one: 1 }]);
  t.ok(committedBeforeRead <= 1, `the read answered after ${committedBeforeRead} of the 8 writes had committed`);
  t.equal(committed, 8, 'every write committed');
});

t.test('a write queued in the process past the lock wait is refused as overloaded without taking a connection', async (t) => {
  const { engine, holder } = await engineWithFeedLockHeld(t, 'held');
  const ran: string[] = [];
  const first = engine.writes.run(async () => {
    ran.push('first');
  });
  const second = engine.writes.run(async () => {
    ran.push('second');
  });
  const settledAt: number[] = [];
  const settled = Promise.allSettled([first, second].map((write) => write.finally(() => settledAt.push(performance.now()))));
  await sleep(500);
  const waiting = await holder.query<{ n: number }>("select count(*)::integer as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()");
  t.same(waiting.rows, [{ n: 1 }], 'one connection of the process waits for the lock, not one per write');
  const outcomes = await settled;
  await holder.query('rollback');
  t.ok(settledAt[1]! - settledAt[0]! < 2_500, `the second was refused ${Math.round(settledAt[1]! - settledAt[0]!)} ms after the first, without a lock wait of its own`);
  t.match(
    outcomes,
    [
      { status: 'rejected', reason: { code: 'overloaded' } },
      { status: 'rejected', reason: { code: 'overloaded' } },
    ],
    'the first waited out lock_timeout on the lock, the second as long in the queue',
  );
  t.same(ran, [], 'neither body ran');
  await sleep(10);
  await engine.writes.run(async () => {
    ran.push('after');
  });
  t.same(ran, ['after'], 'the next write runs once the lock is free');
});

t.test("a start-up's write waits out another's hold of the feed's lock, and a claim passes beside it", async (t) => {
  const { engine, holder } = await engineWithFeedLockHeld(t, 'patient');
  const claimed = await engine.writes.claim(async (tx) => (await tx.prepare(sql<{ one: number }>`select 1 as one`).all()).length);
  t.equal(claimed, 1, 'a claim appends nothing and takes no feed lock: it ran while the lock was held');
  let prepared = false;
  const preparing = engine.writes.runWaitingForLock(async () => {
    prepared = true;
  });
  // Past the pool's lock_timeout (5 s), at which an ordinary write is refused as overloaded.
  await sleep(5_500);
  t.notOk(prepared, 'it waited while the lock was held');
  await holder.query('rollback');
  await preparing;
  t.ok(prepared, 'and ran once it was free');
});

t.test("a claim tells no process, so other nodes' caches are kept; a write and a claim given back are told", async (t) => {
  const url = await freshDatabase(t, 'told');
  const [one, other] = await Promise.all([engineOn(t, url, 2), engineOn(t, url, 2)]);
  let told = 0;
  other.notices.listen(() => {
    told += 1;
  });
  t.ok(other.notices.heard, 'the other node hears commits');
  const noop = async () => undefined;
  /**
   * After `write` on one node: whether the other's stamp moved and it was told, once the notification had time to
   * arrive and the other caught up with the committed change count, as before a request's reads.
   */
  const seenByOther = async (write: () => Promise<unknown>) => {
    const [stamp, toldBefore] = [other.stamp(), told];
    await write();
    for (let waited = 0; told === toldBefore && waited < 1_000; waited += 10) await sleep(10);
    await other.catchUp();
    return { moved: other.stamp() !== stamp, told: told > toldBefore };
  };
  const ownStamp = one.stamp();
  t.same(await seenByOther(() => one.writes.claim(noop)), { moved: false, told: false }, "a claim: the other's stamp stays (the change count too), and it is not told");
  t.equal(one.stamp(), ownStamp, "nor does the claiming node's own stamp move");
  t.same(await seenByOther(() => one.writes.run(noop)), { moved: true, told: true }, 'a write: the other node hears it');
  t.same(await seenByOther(() => one.writes.giveBack(noop)), { moved: true, told: true }, "a claim given back: the other node's jobs are told to look");
});

t.test('a claim given back advances no change count, so the appending writes beside it are not refused for it', async (t) => {
  const url = await freshDatabase(t, 'given_back');
  const [one, other] = await Promise.all([engineOn(t, url, 2), engineOn(t, url, 2)]);
  const counter = await sessionOn(t, url);
  const count = async () => Number((await counter.query<{ n: string }>('select n from change_count')).rows[0]!.n);
  const before = await count();
  // Another node gives claims back every 20 ms (a shutdown's releases) while an appending write takes 100 ms.
  let givingBack = true;
  const releases = (async () => {
    let given = 0;
    while (givingBack) {
      await other.writes.giveBack(async () => undefined);
      given += 1;
      await sleep(20);
    }
    return given;
  })();
  let attempts = 0;
  await one.writes.run(async (tx) => {
    attempts += 1;
    await tx.prepare(sql`select 1`).run();
    await sleep(100);
  });
  givingBack = false;
  t.ok((await releases) >= 3, 'claims were given back during the write');
  t.equal(attempts, 1, 'the write committed at its first attempt');
  t.equal(await count(), before + 1, 'the count advanced for the write alone');
});

t.test('a change count that does not come within its bound: the requests waiting for it go on without the caches, their stamp moved', async (t) => {
  const { proxy, engine } = await engineThroughProxy(t, 'silent_count', 3);
  await engine.catchUp();
  const stamp = engine.stamp();
  // The connection that sends the count's statement goes silent, as one to a server gone without a word.
  proxy.holdOn = 'khabar change count';
  const started = performance.now();
  const caughtUp = await Promise.allSettled([engine.catchUp(), sleep(50).then(() => engine.catchUp())]);
  const waited = performance.now() - started;
  t.same(
    caughtUp.map((settled) => settled.status),
    ['fulfilled', 'fulfilled'],
    'both requests go on',
  );
  t.ok(waited < 5_000, `within the count's bound, once for each read (${Math.round(waited)} ms)`);
  t.not(engine.stamp(), stamp, 'the stamp moved: no cache answers them');
  proxy.holdOn = null;
  const again = performance.now();
  await engine.catchUp();
  t.ok(performance.now() - again < 1_000, 'the next read of the count, on a connection that answers, comes at once');
  t.same(await engine.reads.prepare(sql<{ one: number }>`select 1 as one`).all(), [{ one: 1 }], 'and reads are answered');
});

t.test('a write tells its commit alone: not a body that failed nor a commit the server refused; a commit left unanswered, which may have committed, is told', async (t) => {
  const { url, proxy, engine } = await engineThroughProxy(t, 'outcomes', 2);
  const setup = await sessionOn(t, url);
  // A row this table refuses only at the commit, as a deferred constraint does.
  await setup.query(`
    create table refused_at_commit (id integer);
    create function refuse() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$;
    create constraint trigger refuse_at_commit after insert on refused_at_commit deferrable initially deferred for each row execute function refuse();
  `);
  let told = 0;
  engine.notices.listen(() => {
    told += 1;
  });
  /** How a write settled, and whether this process's stamp moved and its listeners were told. */
  const outcome = async (write: () => Promise<unknown>) => {
    const [stamp, toldBefore] = [engine.stamp(), told];
    const [settled] = await Promise.allSettled([write()]);
    return { settled: settled.status === 'fulfilled' ? 'committed' : String(settled.reason), moved: engine.stamp() !== stamp, told: told - toldBefore };
  };
  t.match(
    await outcome(() =>
      engine.writes.run(async () => {
        throw new RangeError('the body failed');
      }),
    ),
    { settled: /the body failed/, moved: false, told: 0 },
    'a body that threw: rolled back, untold',
  );
  t.match(
    await outcome(() => engine.writes.run(async (tx) => tx.prepare(sql`insert into refused_at_commit values (1)`).run())),
    { settled: /refused at commit/, moved: false, told: 0 },
    'a commit the server refused: untold',
  );
  proxy.cutOn = 'commit;';
  t.match(
    await outcome(() => engine.writes.run(async () => undefined)),
    { settled: /CommitOutcomeUnknown: the commit's outcome is unknown/, moved: true, told: 1 },
    'a commit whose connection was cut before its answer: told, since it may have committed',
  );
  proxy.cutOn = null;
  t.same(await outcome(() => engine.writes.run(async () => undefined)), { settled: 'committed', moved: true, told: 1 }, 'a commit: told once');
});
