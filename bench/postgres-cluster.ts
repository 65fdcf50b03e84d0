/**
 * A throwaway PostgreSQL cluster on 127.0.0.1 in a temporary folder, and a streaming replica of one: what the tests
 * (test/postgres.ts) and the benchmark's PostgreSQL rows (bench/postgres-rows.ts) start.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** Every step of a start or a stop (initdb, pg_ctl) must finish within this, so a stuck cluster fails the test instead of hanging it. */
const stepMs = 60_000;

/**
 * PostgreSQL's server programs (initdb, pg_ctl), which Debian keeps off PATH: where `pg_config --bindir` says, else
 * the newest version in Debian's versioned folder. .ci/run installs the `postgresql` package when they are missing.
 */
function serverPrograms(): string {
  try {
    const bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (existsSync(join(bindir, 'pg_ctl'))) return bindir;
  } catch {
    // no pg_config (it comes with libpq-dev): look in Debian's folder
  }
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error('PostgreSQL server programs not found (initdb, pg_ctl): install the postgresql package, as .ci/run does');
  return join(root, newest, 'bin');
}

/** initdb refuses to run as root: then the cluster's programs run as the `postgres` user the package creates, on a folder it owns. */
function asOwner(program: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

function postgresIds(): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' })));
  return { uid: uid!, gid: gid! };
}

/**
 * A stopped test process cannot run its teardown (a tap timeout kills it): a detached watcher stops the cluster
 * and removes its folder once the process that started it is gone.
 */
function watchOver(pid: number, pgCtl: [string, string[]], folder: string) {
  const stop = [pgCtl[0], ...pgCtl[1]].map((word) => `'${word}'`).join(' ');
  const script = `while kill -0 ${pid} 2>/dev/null; do sleep 1; done; ${stop} >/dev/null 2>&1; rm -rf '${folder}'`;
  spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
}

/** What a cluster's start needs of its caller: a test, or the benchmark's run, to stop and remove it at its end. */
interface Teardown {
  teardown(cleanup: () => unknown): void;
}

/** A temporary folder for one server's data, owned by whoever runs the server, stopped and removed at teardown (or by the watcher). */
function serverFolder(t: Teardown, bin: string) {
  const folder = mkdtempSync(join(tmpdir(), 'khabar-pg-'));
  const data = join(folder, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(folder, uid, gid);
  }
  const pgCtl = (...args: string[]) => asOwner(join(bin, 'pg_ctl'), ['-D', data, ...args]);
  const stop = pgCtl('stop', '-m', 'immediate', '-w', '-t', '30');
  t.teardown(async () => {
    await run(stop[0], stop[1], { timeout: stepMs }).catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  });
  watchOver(process.pid, stop, folder);
  return { folder, data, pgCtl };
}

/** Starts the server on `data` on 127.0.0.1 and a free port, and resolves its `postgres://` URL. */
async function startServer({ folder, pgCtl }: ReturnType<typeof serverFolder>): Promise<string> {
  const port = await freePort();
  const options = `-k ${folder} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = pgCtl('start', '-w', '-t', '30', '-l', join(folder, 'log'), '-o', options);
  await run(start[0], start[1], { timeout: stepMs }).catch((error: unknown) => {
    const log = existsSync(join(folder, 'log')) ? readFileSync(join(folder, 'log'), 'utf8') : '';
    throw new Error(`PostgreSQL did not start: ${String(error)}\n${log}`);
  });
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1 in a temporary folder and resolves its `postgres://` URL (the
 * `postgres` superuser, trusted, on its `postgres` database). The test's teardown stops it and removes the folder,
 * whether the test passed or not.
 */
export async function startPostgres(t: Teardown): Promise<string> {
  const bin = serverPrograms();
  const server = serverFolder(t, bin);
  // No fsync: a test cluster is thrown away, and flushing every commit would make the tests wait on the disk. Its
  // default collation is ICU's root locale, not code point order, as a managed database's may be: the tables
  // must sort as SQLite does whatever the database's locale (postgres-tables.ts).
  const initdb = asOwner(join(bin, 'initdb'), [
    '-D',
    server.data,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--locale-provider=icu',
    '--icu-locale=und',
    '--no-sync',
    '--no-instructions',
  ]);
  await run(initdb[0], initdb[1], { timeout: stepMs });
  return startServer(server);
}

/**
 * Starts a streaming replica of the cluster `startPostgres` started at `primaryUrl` and resolves its URL: a base
 * backup taken over the replication protocol with `-R` (standby.signal, and primary_conninfo in
 * postgresql.auto.conf), started on its own free port as a hot standby (it answers reads, refuses writes). initdb's
 * default pg_hba.conf already trusts replication connections from 127.0.0.1, `postgres` may replicate, and
 * PostgreSQL's default `wal_level` is `replica`. Stopped and removed at teardown, as the primary is.
 */
export async function startReplica(t: Teardown, primaryUrl: string): Promise<string> {
  const bin = serverPrograms();
  const server = serverFolder(t, bin);
  const primary = new URL(primaryUrl);
  const basebackup = asOwner(join(bin, 'pg_basebackup'), ['-D', server.data, '-h', primary.hostname, '-p', primary.port, '-U', 'postgres', '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
  await run(basebackup[0], basebackup[1], { timeout: stepMs });
  return startServer(server);
}

/**
 * The pid of the postmaster of the cluster at `url`: the parent of the backend serving a connection (the fourth
 * field of its /proc stat). Every process of the cluster is its child, so its CPU with its children's is the server's.
 */
export async function postmasterPid(url: string): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return Number(readFileSync(`/proc/${rows[0]!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  } finally {
    await client.end();
  }
}
