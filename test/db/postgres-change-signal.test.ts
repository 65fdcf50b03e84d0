import { readFile } from 'node:fs/promises';
import pg from 'pg';
import t, { type Test } from 'tap';
import { keepAliveIdleMs } from '../../src/core/db/postgres.js';
import { type ChangeSignal, changeChannel, openChangeSignal } from '../../src/core/db/postgres-change-signal.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { currentScope, readPositions } from '../../src/core/db/read-positions.js';
import { clusterAdmin, startPostgres } from '../postgres.js';
import { startTcpProxy } from '../tcp-proxy.js';
import { changeCountTable } from './change-count-table.js';

/*
 * The cross-node change signal (src/core/db/postgres-change-signal.ts) against a real cluster: two signals on one
 * database stand for two nodes, each with its own listening connection; writes go through a pool as the engine's do.
 */

const serverUrl = await startPostgres(t);
const { admin, fresh } = await clusterAdmin(t, serverUrl);
const freshDatabase = () => fresh('signal');

/** What a signal logged, in order. */
function recordingLog() {
  const events: string[] = [];
  return { events, log: { lost: (error: unknown) => events.push(`lost: ${String(error)}`), restored: () => events.push('restored') } };
}

async function openSignal(t: Test, url: string, log = recordingLog().log, onPosition?: (position: bigint) => void): Promise<ChangeSignal> {
  const signal = await openChangeSignal(url, { log, minBackoffMs: 20, maxBackoffMs: 200, onPosition });
  t.teardown(() => signal.close());
  return signal;
}

/** Waits, at most `ms`, for `done` to hold. */
async function until(done: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return done();
}

/** A write through the pool in one transaction that sends `signal`'s notification, then commits or rolls back; the count it took. */
async function write(pool: pg.Pool, signal: ChangeSignal, end: 'commit' | 'rollback') {
  const client = await pool.connect();
  let count: number | undefined;
  try {
    await client.query('begin');
    await client.query('insert into items (n) values (1)');
    count = await signal.notify(postgresStatements(client));
    await client.query(end);
    return count;
  } finally {
    client.release();
    signal.wrote(end === 'commit' ? count : undefined);
  }
}

const listeners = async (database: string) =>
  (await admin.query<{ pid: number }>("select pid from pg_stat_activity where datname = $1 and application_name = 'khabar change signal'", [database])).rows.map((row) => row.pid);

async function twoNodes(t: Test) {
  const { name, url } = await freshDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  t.teardown(() => pool.end());
  await pool.query(`create table items (n int); ${changeCountTable}`);
  const one = await openSignal(t, url);
  const other = await openSignal(t, url);
  return { name, url, pool, one, other };
}

/**
 * Waits for `signal`'s stamp to have moved `count` times past `before`, then a little longer: an extra move (one
 * notification counted twice, or one that should not have come) would show by then. Notifications arrive in commit
 * order, so a last one sent after the others settles whether an earlier one was delivered.
 */
async function settledMoves(signal: ChangeSignal, before: string, count: number): Promise<number> {
  await until(() => Number(signal.stamp()) >= Number(before) + count);
  await new Promise((resolve) => setTimeout(resolve, 300));
  return Number(signal.stamp()) - Number(before);
}

const sentinel = (pool: pg.Pool) => pool.query('select pg_notify($1, $2)', [changeChannel, 'sentinel']);

t.test("a write committed through one node moves the other's stamp, and its own at once", async (t) => {
  const { pool, one, other } = await twoNodes(t);
  const [oneBefore, otherBefore] = [one.stamp(), other.stamp()];
  t.equal(one.stamp(), oneBefore, 'a listening node keeps its stamp while nothing is written');
  await write(pool, one, 'commit');
  t.not(one.stamp(), oneBefore, "the writer's stamp moved as its transaction ended");
  t.ok(await until(() => other.stamp() !== otherBefore), "the other node's stamp moved within 5 s");

  // Each node: its own write (counted by wrote, its echo skipped), the other's, the sentinel.
  await write(pool, other, 'commit');
  await sentinel(pool);
  t.equal(await settledMoves(one, oneBefore, 3), 3, 'the first node counted three changes, not its own echo');
  t.equal(await settledMoves(other, otherBefore, 3), 3, 'so did the second');
});

t.test('the change count: each committed write takes the next, and a count read moves the stamp only past every count heard', async (t) => {
  const { pool, one, other } = await twoNodes(t);
  const start = one.stamp();
  const first = await write(pool, one, 'commit');
  const second = await write(pool, other, 'commit');
  t.same([first, second], [1, 2], 'counted in commit order');
  await write(pool, one, 'rollback');
  t.same((await pool.query<{ n: string }>('select n from change_count')).rows, [{ n: '2' }], 'a rolled-back write leaves it');
  await sentinel(pool);
  // Heard: the first node's own write, then the second's from its notification, whose payload carries its count.
  t.equal(await settledMoves(one, start, 4), 4, "the first node moved for its two writes as they ended, then heard the second node's and the sentinel");
  const heard = one.stamp();
  one.counted(2);
  t.equal(one.stamp(), heard, 'a count read that was heard already does not move the stamp');
  one.counted(3);
  const moved = one.stamp();
  t.not(moved, heard, 'one past it does (a write whose notification has not come)');
  one.counted(3);
  t.equal(one.stamp(), moved, 'once');
});

t.test("a notification whose count a request's read of it brought already moves the stamp no more", async (t) => {
  const { pool, one, other } = await twoNodes(t);
  const before = one.stamp();
  const client = await pool.connect();
  t.teardown(() => client.release());
  await client.query('begin');
  const count = await other.notify(postgresStatements(client));
  // As a request's catch-up would, before the notification has come: the notification is sent at the commit.
  one.counted(count);
  t.not(one.stamp(), before, 'the count read moved the stamp');
  await client.query('commit');
  await sentinel(pool);
  t.equal(await settledMoves(one, before, 2), 2, "once for the write, once for the sentinel (which carries no count): the write's notification moved nothing");
});

t.test('a rolled-back transaction notifies nobody', async (t) => {
  const { pool, one, other } = await twoNodes(t);
  const before = other.stamp();
  await write(pool, one, 'rollback');
  await sentinel(pool);
  t.equal(await settledMoves(other, before, 1), 1, 'the other node heard the committed notification only');
});

t.test('a lost listening connection moves the stamp, reconnects, and is logged once per outage', async (t) => {
  const { name, url } = await freshDatabase();
  const { events, log } = recordingLog();
  const positions: bigint[] = [];
  const signal = await openSignal(t, url, log, (position) => positions.push(position));
  t.ok(await until(() => positions.length === 1), 'listening, it read the primary position once, for the writes it may have missed');
  const [pid] = await listeners(name);
  const before = signal.stamp();

  // The backend killed while the database refuses connections: every reconnection attempt fails until it accepts them.
  await admin.query(`alter database ${name} allow_connections false`);
  await admin.query('select pg_terminate_backend($1)', [pid]);
  t.ok(await until(() => !signal.listening), 'the signal knows it is not listening');
  const during = signal.stamp();
  t.not(during, before, 'the stamp moved');
  t.not(signal.stamp(), during, 'and moves on every read while nothing listens, so nothing derived meanwhile is kept');
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.equal(events.length, 1, 'several failed attempts, one line');
  t.match(events[0], /^lost: .*terminat/, 'naming what happened');

  await admin.query(`alter database ${name} allow_connections true`);
  t.ok(await until(() => signal.listening), 'listening again within 5 s');
  const [again] = await listeners(name);
  t.ok(again !== undefined && again !== pid, 'on a new backend');
  t.strictSame(events.slice(1), ['restored'], 'its return logged once');
  t.ok(await until(() => positions.length === 2), 'and read the position again, for the writes of the outage');
  const back = signal.stamp();
  t.equal(signal.stamp(), back, 'the stamp holds still again');
});

t.test('closed during an outage, it stops reconnecting and holds no connection', async (t) => {
  const { name, url } = await freshDatabase();
  const signal = await openChangeSignal(url, { log: recordingLog().log, minBackoffMs: 20, maxBackoffMs: 50 });
  await admin.query(`alter database ${name} allow_connections false`);
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
  t.ok(await until(() => !signal.listening), 'down');
  await signal.close();
  await admin.query(`alter database ${name} allow_connections true`);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.strictSame(await listeners(name), [], 'no attempt after close');

  const open = await openChangeSignal(url, { log: recordingLog().log });
  t.equal((await listeners(name)).length, 1, 'an open signal holds one connection');
  await open.close();
  t.ok(await until(async () => (await listeners(name)).length === 0), 'closing it ends that connection');
});

/**
 * The seconds until the kernel's keepalive timer fires on each connection to 127.0.0.1:`port` that has one armed:
 * Linux's /proc/net/tcp, whose `tr:tm->when` is 02 for that timer and its hundredths of a second in hexadecimal.
 */
async function keepAliveTimers(port: number): Promise<number[]> {
  const rows = (await readFile('/proc/net/tcp', 'utf8')).split('\n').slice(1);
  const fields = rows.map((row) => row.trim().split(/\s+/)).filter((row) => row.length > 5);
  const toPort = fields.filter((row) => Number.parseInt(row[2]!.split(':')[1]!, 16) === port);
  return toPort.filter((row) => row[5]!.startsWith('02:')).map((row) => Number.parseInt(row[5]!.slice(3), 16) / 100);
}

t.test("the listening connection's kernel probes it after 10 s idle: a server gone without a word is noticed within about 20 s, not hours", async (t) => {
  const { url } = await freshDatabase();
  // Through a proxy, so that the signal's connection is the only one to its port.
  const proxy = await startTcpProxy(t, url);
  const signal = await openSignal(t, proxy.through(url));
  t.ok(signal.listening, 'it listens');
  const timers = await keepAliveTimers(Number(new URL(proxy.through(url)).port));
  t.equal(timers.length, 1, 'its connection has a keepalive timer armed');
  t.ok(timers[0]! > 0 && timers[0]! <= keepAliveIdleMs / 1000, `that probes within ${keepAliveIdleMs / 1000} s of quiet (${timers[0]} s from now), where the system's default is 7,200 s`);
});

t.test('a database that cannot be reached at start fails the open, with no retry left behind', async (t) => {
  const { name, url } = await freshDatabase();
  await admin.query(`alter database ${name} allow_connections false`);
  const { events, log } = recordingLog();
  await t.rejects(openChangeSignal(url, { log, minBackoffMs: 20 }), { message: /^cannot listen for changes: / });
  await admin.query(`alter database ${name} allow_connections true`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.strictSame(await listeners(name), [], 'nothing connects later');
  t.strictSame(events, [], 'and nothing was logged: start-up reports it');
});

t.test('the jobs told of a write are told outside the scope of the request that wrote', async (t) => {
  const { one } = await twoNodes(t);
  const scopes: unknown[] = [];
  t.teardown(one.notices.listen(() => scopes.push(currentScope())));
  // A request carrying a position writes: what the notice wakes must not read or write as that request.
  readPositions.within(readPositions.scope(5n), () => one.wrote());
  t.same(scopes, [undefined], 'told once, in no request');
});

t.test('with a replica to wait for, a node is told of a write again once its position is known', async (t) => {
  const { pool, one, url } = await twoNodes(t);
  const events: string[] = [];
  const other = await openSignal(t, url, undefined, () => events.push('position'));
  t.teardown(other.notices.listen(() => events.push('told')));
  await write(pool, one, 'commit');
  // A job woken at the notification may have read a replica that lacked the write: it is told again after.
  t.ok(await until(() => events.includes('position') && events.at(-1) === 'told'), `told after the position (${events.join(', ')})`);
});
