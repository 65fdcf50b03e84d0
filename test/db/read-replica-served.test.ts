import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import t, { type Test } from 'tap';
import { freePort } from '../../bench/free-port.js';
import { openPostgresEngine } from '../../src/core/db/engine-postgres.js';
import { connectionTimeoutMs, openPostgres, openReadReplica } from '../../src/core/db/postgres.js';
import { buildApp } from '../../src/web/app.js';
import { auth, body, build, testConfig } from '../helper.js';
import { clusterAdmin, failOnIdleError, startPostgres, startReplica } from '../postgres.js';
import { startTcpProxy } from '../tcp-proxy.js';
import { until } from '../until.js';

/*
 * DATABASE_READ_URL served (docs/postgresql.md, the read replica): two nodes on one PostgreSQL primary read from a
 * real streaming replica (test/postgres.ts), whose replay the test pauses (pg_wal_replay_pause) to make it lag.
 * Which server answered is told by a change made on the primary alone, with SQL the nodes never hear of: the replica
 * lacks it while paused.
 */

t.setTimeout(240_000);

const primaryUrl = await startPostgres(t);
const { fresh } = await clusterAdmin(t, primaryUrl);
// Created before the base backup, so the replica has the database from its start.
const { url: databaseUrl } = await fresh('replicated');
const replicaServer = await startReplica(t, primaryUrl);
const databaseReadUrl = new URL(new URL(databaseUrl).pathname, replicaServer).href;

function poolOn(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  t.teardown(() => pool.end());
  return pool;
}
const primary = poolOn(databaseUrl);
const replica = poolOn(databaseReadUrl);

const primaryPosition = async () => (await primary.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn')).rows[0]!.lsn;
/** Whether the replica has replayed the primary's log up to `lsn`. */
const replayed = async (lsn: string) => (await replica.query<{ done: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn as done', [lsn])).rows[0]!.done;

/**
 * Waits for a quiet moment (a write's background work, relinking and announcing, writes too, and the nodes' reads
 * then wait for it), when the replica has replayed all the primary has written, then pauses its replay until the
 * test ends.
 */
async function lagFromNow(t: Test) {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const now = await primaryPosition();
    await until(() => replayed(now));
    await new Promise((resolve) => setTimeout(resolve, 300));
    if ((await primaryPosition()) !== now) continue;
    await replica.query('select pg_wal_replay_pause()');
    if ((await primaryPosition()) === now && (await replayed(now))) break;
    await replica.query('select pg_wal_replay_resume()');
  }
  t.teardown(() => replica.query('select pg_wal_replay_resume()'));
  t.ok(await until(async () => (await replica.query("select pg_get_wal_replay_pause_state() = 'paused' as paused")).rows[0].paused), 'the replica caught up and stopped replaying');
}

const apiTokens = testConfig().apiTokens;
const one = await build(t, { databaseUrl, databaseReadUrl, seed: 'never', apiTokens });
const other = await build(t, { databaseUrl, databaseReadUrl, seed: 'never', apiTokens });

const json = { ...auth, 'content-type': 'application/json' };
let created = 0;
/** A new organisation written through `node`. */
async function createOrganisation(node: typeof one) {
  const slug = `مكتب-${++created}`;
  const response = await node.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug, name: `مكتب ${created}`, kind: 'committee' } });
  return { response, slug, url: `/v1/organisations/${encodeURIComponent(slug)}` };
}
const nameIn = (response: LightMyRequestResponse) => body<{ data: { name: string } }>(response).data.name;

t.test('reads go to the replica when nothing is pending; one carrying a position it lacks, or one from the future, to the primary, past the response cache', async (t) => {
  const { response, slug, url } = await createOrganisation(one);
  t.equal(response.statusCode, 201);
  await lagFromNow(t);
  t.equal(nameIn(await other.inject({ url })), 'مكتب 1', 'a public read, kept by the response cache');

  // Made on the primary alone: no node hears of it, and the paused replica lacks it.
  await primary.query("update organisations set name = 'مكتب الرصد' where slug = $1", [slug]);
  const position = await primaryPosition();
  t.notOk(await replayed(position), 'the replica lags');

  for (const node of [one, other]) t.equal(nameIn(await node.inject({ url, headers: auth })), 'مكتب 1', 'a read carrying nothing is answered by the replica');
  const carrying = await other.inject({ url, headers: { 'khabar-position': position } });
  t.equal(nameIn(carrying), 'مكتب الرصد', 'a public read carrying the position is answered by the primary, not from the response cache');
  t.notOk(carrying.headers['khabar-position'], 'a read answers no position');
  t.equal(nameIn(await other.inject({ url })), 'مكتب 1', 'without it, the cached answer (this node heard of no change)');
  const future = await one.inject({ url, headers: { ...auth, 'khabar-position': 'FFFFFFFF/FFFFFFFF' } });
  t.equal(nameIn(future), 'مكتب الرصد', 'a position from the future: the primary');
});

t.test('a write, then reads that see it although the replica lags: on the writing node, and on another with or without its position', async (t) => {
  await lagFromNow(t);
  const before = await primaryPosition();
  const { response, slug, url } = await createOrganisation(one);
  t.equal(response.statusCode, 201);
  const position = response.headers['khabar-position'];
  t.match(position, /^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/, 'the write answers its position, as PostgreSQL writes one');
  const { rows } = await primary.query('select $1::pg_lsn > $2::pg_lsn as after, $1::pg_lsn <= pg_current_wal_insert_lsn() as reached', [position, before]);
  t.strictSame(rows[0], { after: true, reached: true }, "past the log's end before the write, and reached by the primary");
  t.strictSame((await replica.query('select count(*)::int as n from organisations where slug = $1', [slug])).rows, [{ n: 0 }], 'the replica lacks the write');

  t.equal((await one.inject({ url })).statusCode, 200, "the writing node's next read sees it, carrying nothing");
  t.equal((await other.inject({ url, headers: { 'khabar-position': String(position) } })).statusCode, 200, 'another node sees it when the read carries the position');
  t.ok(await until(async () => (await other.inject({ url })).statusCode === 200), 'and without it, once its change signal has heard of the write');

  const again = await one.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug, name: 'مكتب', kind: 'committee' } });
  t.equal(again.statusCode, 409);
  t.notOk(again.headers['khabar-position'], 'a refused write answers no position');
});

t.test("a commit no notification brought, heard through a read carrying its position: the node's other reads stop deriving totals from the lagging replica", async (t) => {
  const { response, slug } = await createOrganisation(one);
  t.equal(response.statusCode, 201);
  await lagFromNow(t);
  const total = async (headers: Record<string, string> = {}) =>
    body<{ meta: { total: number } }>(await other.inject({ url: '/v1/organisations?limit=1', headers: { ...auth, ...headers } })).meta.total;
  const before = await total();
  // A telling write no node hears: it advances the committed change count and sends no notification.
  await primary.query('begin');
  await primary.query('delete from organisations where slug = $1', [slug]);
  await primary.query('update change_count set n = n + 1 where id = 1');
  await primary.query('commit');
  const position = await primaryPosition();
  t.notOk(await replayed(position), 'the replica lags');

  // The read carrying the position reads the count on the primary and moves the stamp; it asks for no total.
  t.equal((await other.inject({ url: `/v1/organisations/${encodeURIComponent(slug)}`, headers: { 'khabar-position': position } })).statusCode, 404, 'the primary answers: deleted');
  t.equal(await total(), before - 1, 'a read carrying nothing afterwards is not answered by the replica, which lacks the commit');
  t.equal(await total({ 'khabar-position': position }), before - 1, 'and a read carrying the position is not served a total derived from it');
});

t.test('a node started while the replica lags behind its migrations reads from the primary until the replica has them', async (t) => {
  const { name, url: lateUrl } = await fresh('late');
  t.ok(await until(async () => (await replica.query('select count(*)::int as n from pg_database where datname = $1', [name])).rows[0].n === 1), 'the new database reached the replica');
  await lagFromNow(t);
  const late = await build(t, { databaseUrl: lateUrl, databaseReadUrl: new URL(new URL(lateUrl).pathname, replicaServer).href, seed: 'never', apiTokens });
  t.equal((await late.inject({ url: '/v1/organisations' })).statusCode, 200, 'it started, migrated on the primary, and answers: the paused replica has no tables there yet');
});

t.test('a position that is not one: 400 problem+json, naming the header', async (t) => {
  for (const sent of ['0/0/0', 'latest', '123456789/0', '']) {
    const response = await one.inject({ url: '/v1/organisations', headers: { 'khabar-position': sent } });
    t.equal(response.statusCode, 400, JSON.stringify(sent));
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    t.match(body(response), { code: 'validation_failed', errors: [{ path: 'headers.khabar-position' }] });
  }
});

t.test('a replica that cannot be reached: reads are answered by the primary, the outage logged once, without the password', async (t) => {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const nowhere = `postgres://postgres:hunter2-secret@127.0.0.1:${await freePort()}/replicated_1`;
  const cut = await buildApp(testConfig({ databaseUrl, databaseReadUrl: nowhere, seed: 'never', logLevel: 'info' }), { logStream });
  t.teardown(() => cut.close());
  const { slug } = await createOrganisation(one);
  for (let read = 1; read <= 3; read++) {
    const response = await cut.inject({ url: `/v1/organisations/${encodeURIComponent(slug)}`, headers: auth });
    t.equal(response.statusCode, 200, `read ${read} answered`);
  }
  const outage = lines.filter((line) => line.includes('the read replica cannot be read'));
  t.equal(outage.length, 1, 'one line for the outage');
  t.match(outage[0], /ECONNREFUSED/, 'naming the refusal');
  t.notOk(lines.join('').includes('hunter2'), 'no line shows the password');
});

/** The request headers a response's Vary names, in lower case. */
const varies = (response: LightMyRequestResponse) =>
  String(response.headers.vary ?? '')
    .toLowerCase()
    .split(/\s*,\s*/);

t.test("every data read on PostgreSQL varies by the position, whatever its status: a shared cache keeps one client's answer from another", async (t) => {
  const { url } = await createOrganisation(one);
  const read = await one.inject({ url });
  t.equal(read.statusCode, 200);
  const revalidated = await one.inject({ url, headers: { 'if-none-match': String(read.headers.etag) } });
  t.equal(revalidated.statusCode, 304);
  const missing = await one.inject({ url: '/v1/organisations/لا-يوجد' });
  t.equal(missing.statusCode, 404);
  for (const response of [read, revalidated, missing, await one.inject({ url: '/v1/organisations?limit=1' }), await one.inject({ url: `${url}/provenance` })])
    t.ok(varies(response).includes('khabar-position'), `${response.statusCode} of ${response.raw.req.url}: Vary ${response.headers.vary}`);
  t.notOk(varies(await one.inject({ url: '/openapi.json' })).includes('khabar-position'), 'the contract, which reads no data, does not');
});

t.test('on SQLite the header is neither answered nor read, and no answer varies by it', async (t) => {
  const sqlite = await build(t, { seed: 'never' });
  const { response, url } = await createOrganisation(sqlite);
  t.equal(response.statusCode, 201);
  t.notOk(response.headers['khabar-position'], 'a write answers no position');
  const read = await sqlite.inject({ url, headers: { 'khabar-position': 'latest' } });
  t.equal(read.statusCode, 200, 'and a read ignores one, whatever it says');
  t.ok(varies(read).includes('authorization'), `its Vary (${read.headers.vary}) names what the answer depends on`);
  t.notOk(varies(read).includes('khabar-position'), 'but not the position');
});

t.test('a server that accepts connections and never answers: taking a connection fails after 10 s, on the primary and on the replica', async (t) => {
  // What a host that drops packets looks like once a connection is made: nothing comes back.
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of held) socket.destroy();
    silent.close();
  });
  const address = silent.address();
  const url = `postgres://postgres:hunter2-secret@127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/khabar`;
  const options = { max: 1, statementTimeoutMs: 1000, lockTimeoutMs: 1000, onIdleError: failOnIdleError(t) };
  const replicaPool = openReadReplica(url, options);
  t.teardown(() => replicaPool.close());
  const startedAt = Date.now();
  // Given up on after 15 s, so that a connection that waits for ever fails the test rather than its time limit.
  const elapsed = async (attempt: Promise<unknown>) => {
    const gaveUp = new Promise((resolve) => setTimeout(resolve, connectionTimeoutMs + 5_000, new Error('still waiting')).unref());
    const error = await Promise.race([
      attempt.then(
        () => null,
        (caught: unknown) => caught,
      ),
      gaveUp,
    ]);
    return { error, ms: Date.now() - startedAt };
  };
  const [onPrimary, onReplica] = await Promise.all([elapsed(openPostgres(url, options)), elapsed(replicaPool.pool.connect())]);
  t.match(onPrimary.error, { name: 'DatabaseError', message: /^cannot open database postgres:\/\/postgres@127\.0\.0\.1:\d+\/khabar: .*timeout/ }, 'the primary fails start-up, naming the timeout');
  t.notOk(String(onPrimary.error).includes('hunter2'), 'without the password');
  t.match(onReplica.error, { message: /timeout/ }, "the replica's connection fails too");
  for (const [name, { ms }] of Object.entries({ primary: onPrimary, replica: onReplica }))
    t.ok(ms >= connectionTimeoutMs - 500 && ms < connectionTimeoutMs + 5_000, `${name}: after about ${connectionTimeoutMs} ms (${ms})`);
});

t.test("closing while a probe waits on a replica gone silent: the engine closes at once, not after the probe's connection timeout", async (t) => {
  const proxy = await startTcpProxy(t, databaseReadUrl);
  const lines: string[] = [];
  const engine = await openPostgresEngine(databaseUrl, { poolMax: 2, readUrl: proxy.through(databaseReadUrl), log: { warn: (line) => lines.push(line), info: (line) => lines.push(line) } });
  let closed = false;
  t.teardown(() => (closed ? undefined : engine.close()));
  // The replica's connections are cut as they start: the first read that checks it falls back, and probes begin (every 5 s).
  proxy.cutOn = 'user';
  await engine.catchUp();
  t.equal(lines.length, 1, 'the outage is logged');
  t.match(lines[0], /^the read replica cannot be read/);
  proxy.cutOn = null;
  proxy.silent = true;
  const accepted = proxy.accepted;
  t.ok(await until(async () => proxy.accepted > accepted), 'a probe connects to the replica, which never answers');
  const startedAt = performance.now();
  await engine.close();
  closed = true;
  const ms = performance.now() - startedAt;
  // The probe's connection would hold the close for the connection timeout (10 s); the replica's pool waits 250 ms, then cuts it.
  t.ok(ms < 2_500, `the engine closed in ${Math.round(ms)} ms, where the connection timeout is ${connectionTimeoutMs} ms`);
  await sleep(500);
  t.equal(lines.length, 1, 'and nothing is logged after the close');
});
