import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import t, { type Test } from 'tap';
import { freePort } from '../../bench/free-port.js';
import { openChangeSignal } from '../../src/core/db/postgres-change-signal.js';
import { createReadRouter, type ReadRouter } from '../../src/core/db/postgres-read-routing.js';
import { postgresStatements } from '../../src/core/db/postgres-statements.js';
import { commitAt, formatWalPosition, parseWalPosition } from '../../src/core/db/postgres-wal-position.js';
import { startPostgres, startReplica } from '../postgres.js';
import { startTcpProxy } from '../tcp-proxy.js';
import { until } from '../until.js';
import { changeCountTable } from './change-count-table.js';

/*
 * A streaming replica started by the test helper (test/postgres.ts), and read routing with read-your-writes
 * (src/core/db/postgres-read-routing.ts) against it. Which server answered a read is what it says of itself:
 * pg_is_in_recovery() is true on the standby only.
 */

const primaryUrl = await startPostgres(t);
const replicaUrl = await startReplica(t, primaryUrl);

function poolOn(t: Test, url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  t.teardown(() => pool.end());
  return pool;
}
const primary = poolOn(t, primaryUrl);
const replica = poolOn(t, replicaUrl);

const namesOn = async (pool: pg.Pool | pg.PoolClient) => (await pool.query<{ name: string }>('select name from items order by name')).rows.map((row) => row.name);

/** Which server answered, and the names it holds. */
async function answer(client: pg.PoolClient) {
  const { rows } = await client.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
  return { standby: rows[0]!.standby, names: await namesOn(client) };
}

function recordingLog() {
  const events: string[] = [];
  return { events, log: { lost: (error: unknown) => events.push(`lost: ${String(error)}`), restored: () => events.push('restored') } };
}

function routerFor(t: Test, replicaPool: pg.Pool | null, log = recordingLog().log, replicaRetryMs = 5_000): ReadRouter {
  const router = createReadRouter({ primary, replica: replicaPool, log, replayCheckMs: 0, replicaRetryMs });
  t.teardown(() => router.close());
  return router;
}

await primary.query(`create table items (name text primary key); ${changeCountTable}`);
t.ok(await until(async () => (await replica.query("select to_regclass('items') is not null as found")).rows[0].found), 'the table reached the replica');

t.test('the replica streams what the primary commits, and refuses writes', async (t) => {
  await primary.query("insert into items values ('streamed')");
  t.ok(await until(async () => (await namesOn(replica)).includes('streamed')), 'a row written on the primary is on the replica within 10 s');
  t.strictSame((await replica.query('select pg_is_in_recovery() as standby')).rows, [{ standby: true }], 'the replica is a standby');
  t.strictSame((await primary.query('select pg_is_in_recovery() as standby')).rows, [{ standby: false }], 'the primary is not');
  await t.rejects(replica.query("insert into items values ('refused')"), { code: '25006' }, 'a hot standby refuses a write');
});

t.test('positions read and written as PostgreSQL writes LSNs', async (t) => {
  const { rows } = await primary.query<{ text: string; bytes: string }>("select pg_current_wal_insert_lsn()::text as text, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text as bytes");
  const [{ text, bytes }] = rows as [{ text: string; bytes: string }];
  t.equal(parseWalPosition(text), BigInt(bytes), "an LSN's value is its distance from 0/0, as PostgreSQL computes it");
  t.equal(formatWalPosition(BigInt(bytes)), text, 'and is written back as PostgreSQL writes it');
  t.equal(parseWalPosition('FFFFFFFF/FFFFFFFF'), 2n ** 64n - 1n, 'the largest');
  t.equal(formatWalPosition(0x1_0000_00a0n), '1/A0', 'hexadecimal, without leading zeros');
  for (const text of ['', '0', '0/', '/0', '1/2/3', '123456789/0', '0/123456789', ' 0/1', 'G/1', '0x1/2']) t.equal(parseWalPosition(text), null, `${JSON.stringify(text)} is not a position`);
});

t.test('read-your-writes while the replica lags', async (t) => {
  const writer = routerFor(t, replica);
  const otherNode = routerFor(t, replica);
  t.strictSame((await writer.read(null, answer)).standby, true, 'a read with no write behind it goes to the replica');

  await replica.query('select pg_wal_replay_pause()');
  t.teardown(() => replica.query('select pg_wal_replay_resume()'));
  t.ok(await until(async () => (await replica.query("select pg_get_wal_replay_pause_state() = 'paused' as paused")).rows[0].paused), 'replay paused');

  const client = await primary.connect();
  await client.query('begin');
  await client.query("insert into items values ('lagging')");
  const position = await commitAt(client);
  client.release();
  writer.committed(position);
  t.ok(
    await until(async () => (await replica.query('select pg_last_wal_receive_lsn() >= $1::pg_lsn as received', [formatWalPosition(position)])).rows[0].received),
    'the replica has received the write',
  );
  t.notOk((await namesOn(replica)).includes('lagging'), 'but not replayed it: it lags');

  t.strictSame(await writer.read(null, answer), { standby: false, names: ['lagging', 'streamed'] }, "the writing node's next read goes to the primary and sees the write");
  t.strictSame(await otherNode.read(position, answer), { standby: false, names: ['lagging', 'streamed'] }, "on another node, a read carrying the write's position does too");
  t.strictSame(await otherNode.read(null, answer), { standby: true, names: ['streamed'] }, 'a read there carrying nothing is served by the lagging replica');
  t.strictSame(await otherNode.read(position - 1n, answer), { standby: false, names: ['lagging', 'streamed'] }, 'one byte short of the replay it needs is still too new');

  await replica.query('select pg_wal_replay_resume()');
  t.ok(await until(async () => (await namesOn(replica)).includes('lagging')), 'replay resumed, the replica has the write');
  t.strictSame(await writer.read(null, answer), { standby: true, names: ['lagging', 'streamed'] }, 'the writing node reads from the replica again');
  t.strictSame(await otherNode.read(position, answer), { standby: true, names: ['lagging', 'streamed'] }, 'so does a read carrying the position');
});

t.test("another node's write, heard through the change signal: reads here wait for the replica to replay it, with no position carried", async (t) => {
  const router = routerFor(t, replica);
  const signal = await openChangeSignal(primaryUrl, { log: recordingLog().log, onPosition: (position) => router.committed(position) });
  t.teardown(() => signal.close());
  const otherNode = await openChangeSignal(primaryUrl, { log: recordingLog().log });
  t.teardown(() => otherNode.close());
  const sees = async (client: pg.PoolClient) => {
    const { standby, names } = await answer(client);
    return { standby, elsewhere: names.includes('elsewhere') };
  };
  t.strictSame(await router.read(null, sees), { standby: true, elsewhere: false }, 'before the write, the replica answers');

  await replica.query('select pg_wal_replay_pause()');
  t.teardown(() => replica.query('select pg_wal_replay_resume()'));
  const before = signal.stamp();
  const client = await primary.connect();
  await client.query('begin');
  await client.query("insert into items values ('elsewhere')");
  await otherNode.notify(postgresStatements(client));
  await client.query('commit');
  client.release();
  otherNode.wrote();
  t.ok(await until(async () => Number(signal.stamp()) >= Number(before) + 2), 'the node heard the write, then read the position (its stamp moved for each)');
  t.strictSame(await router.read(null, sees), { standby: false, elsewhere: true }, 'its next read goes to the primary and sees the write');
  t.notOk((await namesOn(replica)).includes('elsewhere'), 'which the paused replica lacks');

  await replica.query('select pg_wal_replay_resume()');
  t.ok(await until(async () => (await namesOn(replica)).includes('elsewhere')), 'replay resumed');
  t.strictSame(await router.read(null, sees), { standby: true, elsewhere: true }, 'reads go to the replica again');
});

t.test('an unreachable replica: reads go to the primary, logged once per outage, and come back', async (t) => {
  const nowhere = poolOn(t, `postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
  const refused = recordingLog();
  const router = routerFor(t, nowhere, refused.log, 100);
  for (let read = 0; read < 3; read++) t.strictSame((await router.read(null, answer)).standby, false, `read ${read + 1} answered by the primary`);
  t.equal(refused.events.length, 1, 'three failed reads, one line');
  t.match(refused.events[0], /ECONNREFUSED/, 'naming the refusal');

  // A database the replica has only once the primary creates it: refused, then replicated.
  const later = new pg.Pool({ connectionString: new URL('/later', replicaUrl).href, max: 3 });
  // Its connections end before the database is dropped, which would terminate them.
  t.teardown(async () => {
    await later.end();
    await primary.query('drop database later');
  });
  const { events, log } = recordingLog();
  const comesBack = routerFor(t, later, log, 100);
  t.strictSame((await comesBack.read(null, answer)).standby, false, 'a replica refusing the connection: the primary answers');
  t.strictSame((await comesBack.read(null, answer)).standby, false, 'and again, while the replica is probed');
  await primary.query('create database later');
  t.ok(await until(async () => (await replica.query("select count(*)::int as n from pg_database where datname = 'later'")).rows[0].n === 1), 'the database reached the replica');
  const standby = async (client: pg.PoolClient) => (await client.query<{ standby: boolean }>('select pg_is_in_recovery() as standby')).rows[0]!.standby;
  t.ok(await until(() => comesBack.read(null, standby)), 'once a probe reads the replica, reads go to it again');
  t.equal(events.length, 2, 'one line when it failed, one when it came back');
  t.match(events[0], /^lost: .*later/, 'the first names the failure');
  t.equal(events[1], 'restored', 'the second its return');
});

t.test('a replica that accepts connections and never answers: a read waits for the connection timeout once, no read after it; reads return once a probe is answered', async (t) => {
  const proxy = await startTcpProxy(t, replicaUrl);
  proxy.silent = true;
  const connectionTimeoutMs = 1_000;
  const silentPool = new pg.Pool({ connectionString: proxy.through(replicaUrl), max: 3, connectionTimeoutMillis: connectionTimeoutMs });
  t.teardown(() => silentPool.end());
  const { events, log } = recordingLog();
  const router = routerFor(t, silentPool, log, 100);
  /** A read, which server answered it, and how long it took. */
  const timed = async () => {
    const startedAt = performance.now();
    const { standby } = await router.read(null, answer);
    return { standby, ms: performance.now() - startedAt };
  };
  const first = await timed();
  t.equal(first.standby, false, `the first read is answered by the primary, after the replica's connection timed out (${Math.round(first.ms)} ms)`);
  const probedBefore = proxy.accepted;
  // Reads over three connection timeouts, some thirty probe intervals: one that tried the replica would take a timeout.
  const later: Array<{ standby: boolean; ms: number }> = [];
  for (const end = performance.now() + 3 * connectionTimeoutMs; performance.now() < end; await sleep(50)) later.push(await timed());
  t.ok(
    later.every(({ standby }) => !standby),
    `the ${later.length} reads after it are answered by the primary`,
  );
  const slowest = Math.max(...later.map(({ ms }) => ms));
  t.ok(slowest < connectionTimeoutMs, `none waited for the replica (the slowest took ${Math.round(slowest)} ms, the timeout is ${connectionTimeoutMs})`);
  t.ok(proxy.accepted > probedBefore, `while probes tried the replica off the request path (${proxy.accepted - probedBefore} connections)`);
  t.equal(events.length, 1, 'the outage logged once');
  proxy.silent = false;
  t.ok(await until(async () => (await router.read(null, answer)).standby), 'once the replica answers a probe, reads go to it again');
  t.strictSame(events.slice(1), ['restored'], 'and its return is logged');
});

t.test("a replica connection lost under a read: the read is answered by the primary; the read's own error is the read's", async (t) => {
  const { events, log } = recordingLog();
  const router = routerFor(t, replica, log);
  const terminated = await router.read(null, async (client) => {
    if ((await answer(client)).standby) await client.query('select pg_terminate_backend(pg_backend_pid())');
    return answer(client);
  });
  t.strictSame(terminated.standby, false, 'the primary answered the read the replica dropped');
  t.equal(events.length, 1, 'the loss is logged');
  t.match(events[0], /terminating connection/, 'as the server put it');

  const fresh = routerFor(t, replica, recordingLog().log);
  let tries = 0;
  await t.rejects(
    fresh.read(null, async () => {
      tries++;
      throw new RangeError('the read failed on its own');
    }),
    { name: 'RangeError' },
    'an error of the read itself reaches the caller',
  );
  t.equal(tries, 1, 'without a second try on the primary');
  t.strictSame((await fresh.read(null, answer)).standby, true, 'and the replica still serves');
});

t.test('a probe answered after the router closed: its answer is not logged, as the replica serving again', async (t) => {
  // One connection, which the test takes: the probe waits for it in the pool's queue until the router has closed.
  const single = new pg.Pool({ connectionString: replicaUrl, max: 1 });
  t.teardown(() => single.end());
  const { events, log } = recordingLog();
  const router = routerFor(t, single, log, 1_000);
  const dropped = await router.read(null, async (client) => {
    if ((await answer(client)).standby) await client.query('select pg_terminate_backend(pg_backend_pid())');
    return answer(client);
  });
  t.equal(dropped.standby, false, 'a read the replica dropped is answered by the primary');
  const held = await single.connect();
  t.ok(await until(async () => single.waitingCount === 1), 'the probe waits for the connection');
  router.close();
  held.release();
  t.ok(await until(async () => single.waitingCount === 0 && single.idleCount === 1), 'the probe read the replica after the close');
  await sleep(100);
  t.equal(events.length, 1, 'only the outage is logged');
  t.match(events[0], /^lost: .*terminating connection/);
});

t.test('without a replica every read goes to the primary', async (t) => {
  const router = routerFor(t, null);
  t.strictSame((await router.read(null, answer)).standby, false, 'the primary answers');
});
