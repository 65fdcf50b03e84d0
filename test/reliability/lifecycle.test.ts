import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Test } from 'tap';
import t from 'tap';
import { processToken, serverArgs, startServer } from '../server-process.js';

t.setTimeout(120_000);

const backupScript = new URL('../../dist/core/cli/backup.js', import.meta.url).pathname;
const seedScript = new URL('../../dist/core/cli/seed.js', import.meta.url).pathname;
const authorised = { authorization: `Bearer ${processToken}`, 'content-type': 'application/json' };

function tempDir(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-life-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });

t.test('SIGTERM: stop accepting, finish the request in flight, close the database, exit 0', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'khabar.db');
  const server = await startServer({ DATABASE_URL: `file:${file}` });
  t.teardown(() => server.stop());

  // An upload in progress: the headers and half the body are sent before SIGTERM, the rest after.
  const payload = Buffer.from(JSON.stringify({ slug: 'في-الطريق', name: 'في الطريق'.padEnd(290, '.'), kind: 'other', aliases: Array(80).fill('اسم') }));
  const response = new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    const req = request(`${server.url}/v1/organisations`, { method: 'POST', headers: { ...authorised, 'content-length': payload.length } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body, connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.write(payload.subarray(0, payload.length / 2));
    setTimeout(() => {
      server.child.kill('SIGTERM');
      setTimeout(async () => {
        t.ok(await refused(server.port), 'no new connection is accepted once SIGTERM arrived');
        req.end(payload.subarray(payload.length / 2));
      }, 300);
    }, 200);
  });
  const answered = await response;
  t.equal(answered.status, 201, 'the request in flight was finished');
  t.equal(answered.connection, 'close', 'its connection ends with it, so the process need not wait for an idle client');
  t.equal(await server.exited, 0, 'exit 0');
  t.match(server.log(), /"signal":"SIGTERM"/);
  t.notOk(existsSync(`${file}-wal`), 'the database was closed (its WAL checkpointed and removed)');

  const again = await startServer({ DATABASE_URL: `file:${file}` });
  t.teardown(() => again.stop());
  t.equal((await fetch(`${again.url}/v1/organisations/${encodeURIComponent('في-الطريق')}`)).status, 200, 'and its write is kept');
  again.child.kill('SIGTERM');
  await again.exited;
});

t.test('SHUTDOWN_TIMEOUT_MS: a request that never finishes is cut off at the timeout, and the process exits 1', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'khabar.db');
  const timeoutMs = 1000;
  const server = await startServer({ DATABASE_URL: `file:${file}`, SHUTDOWN_TIMEOUT_MS: String(timeoutMs) });
  t.teardown(() => server.stop());

  // An upload that stalls: the headers and half the body are sent, the rest never is.
  const payload = Buffer.from(JSON.stringify({ slug: 'لن-يصل', name: 'لن يصل', kind: 'other' }));
  const req = request(`${server.url}/v1/organisations`, { method: 'POST', headers: { ...authorised, 'content-length': payload.length } });
  const fate = new Promise<string>((resolve) => {
    req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (error) => resolve(`cut off: ${(error as NodeJS.ErrnoException).code}`));
  });
  req.write(payload.subarray(0, payload.length / 2));
  await new Promise((resolve) => setTimeout(resolve, 300));

  const signalled = performance.now();
  server.child.kill('SIGTERM');
  const exited = await Promise.race([server.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), timeoutMs + 4000))]);
  const waited = performance.now() - signalled;
  t.equal(exited, 1, 'exit 1: the shutdown did not finish in time');
  t.ok(waited >= timeoutMs - 50 && waited < timeoutMs + 4000, `it waited for the request, then gave up: exited ${Math.round(waited)} ms after SIGTERM`);
  t.match(server.log(), `killed by timeout (${timeoutMs}ms)`);
  t.equal(await fate, 'cut off: ECONNRESET', 'the stalled request gets no answer: its connection is closed');

  const again = await startServer({ DATABASE_URL: `file:${file}` });
  t.teardown(() => again.stop());
  t.equal((await fetch(`${again.url}/v1/organisations/${encodeURIComponent('لن-يصل')}`)).status, 404, 'and nothing of it was written');
  again.child.kill('SIGTERM');
  t.equal(await again.exited, 0);
});

t.test('bad storage stops start-up with one line and exit 1, never a half-started server', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a-file'), 'not a folder');
  const corrupt = join(dir, 'corrupt.db');
  writeFileSync(corrupt, Buffer.alloc(8192, 0x5a));
  const newer = join(dir, 'newer.db');
  const seeded = spawnSync(process.execPath, [seedScript], { env: { ...process.env, DATABASE_URL: `file:${newer}` }, encoding: 'utf8' });
  t.equal(seeded.status, 0, 'a database from this code');
  const db = new Sqlite(newer);
  db.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('f'.repeat(64), Date.parse('2099-01-01'));
  db.close();
  const damaged = join(dir, 'damaged.db');
  spawnSync(process.execPath, [seedScript], { env: { ...process.env, DATABASE_URL: `file:${damaged}` } });
  const pages = new Sqlite(damaged);
  pages.pragma('wal_checkpoint(TRUNCATE)');
  pages.close();
  const bytes = readFileSync(damaged);
  bytes.fill(0x5a, 4096 + 100, 4096 * 3); // the schema's pages, past the header
  writeFileSync(damaged, bytes);

  const cases: Array<[string, string, RegExp]> = [
    ['a location that cannot be created', `file:${join(dir, 'a-file', 'sub', 'khabar.db')}`, /^khabar: cannot open database .*ENOTDIR/],
    ['a folder where the file should be', `file:${dir}`, /^khabar: cannot open database /],
    ['a file that is not a database', `file:${corrupt}`, /^khabar: cannot open database .*not a database/],
    ['a database with damaged pages', `file:${damaged}`, /^khabar: cannot open database .*malformed|^khabar: cannot open database .*not a database/],
    ['a database migrated by newer code', `file:${newer}`, /^khabar: cannot open database .*migration this code does not know \(created 2099-01-01/],
  ];
  for (const [what, url, message] of cases) {
    const result = spawnSync(process.execPath, serverArgs, { env: { ...process.env, DATABASE_URL: url, PORT: '0' }, encoding: 'utf8', timeout: 15_000 });
    t.equal(result.status, 1, `${what}: exit 1`);
    t.match(result.stderr, message, what);
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(result.stdout, /Server listening/, 'never listened');
  }
});

t.test('npm run backup takes a consistent online copy while the server writes', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'live.db');
  const copy = join(dir, 'backup.db');
  const server = await startServer({ DATABASE_URL: `file:${file}` });
  t.teardown(() => server.stop());

  let writing = true;
  let created = 0;
  const writer = async (w: number) => {
    for (let i = 0; writing; i++) {
      const response = await fetch(`${server.url}/v1/people`, {
        method: 'POST',
        headers: authorised,
        body: JSON.stringify({ slug: `نسخة-${w}-${i}`, name: `نسخة ${w} ${i}`, aliases: ['أ', 'ب'] }),
      });
      if (response.status === 201) created++;
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const backup = spawn(process.execPath, [backupScript, copy], { env: { ...process.env, DATABASE_URL: `file:${file}` } });
  let output = '';
  backup.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  backup.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise((resolve) => backup.on('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  writing = false;
  await Promise.all(writers);
  t.equal(code, 0, output);
  t.match(output, new RegExp(`^backed up \\d+ pages of ${file} to ${copy}\n$`));
  t.notOk(existsSync(`${copy}-wal`) || existsSync(`${copy}-shm`), 'the copy stands alone: no -wal or -shm beside it');

  const restored = new Sqlite(copy, { readonly: true });
  const live = new Sqlite(file, { readonly: true });
  t.teardown(() => {
    restored.close();
    live.close();
  });
  t.equal(restored.pragma('integrity_check', { simple: true }), 'ok');
  t.same(restored.pragma('foreign_key_check'), []);
  const rows = (db: Sqlite.Database, where = '') => db.prepare(`select * from people ${where} order by id`).all();
  const inBackup = rows(restored);
  const last = (inBackup.at(-1) as { id: string }).id;
  t.ok(inBackup.length > 3 && created > inBackup.length - 3, `${inBackup.length} people in the backup, ${created} created in all`);
  t.same(inBackup, live.prepare('select * from people where id <= ? order by id').all(last), 'the backup is exactly the live database as of one moment');

  const restoredServer = await startServer({ DATABASE_URL: `file:${copy}` });
  t.teardown(() => restoredServer.stop());
  const listed = (await (await fetch(`${restoredServer.url}/v1/people?limit=1`)).json()) as { meta: { total: number } };
  t.equal(listed.meta.total, inBackup.length, 'a server started on the restored copy serves it');
  for (const s of [server, restoredServer]) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});
