import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import type { Test } from 'tap';
import t from 'tap';

t.setTimeout(120_000);

// The built scripts, as npm runs them (npm test builds first).
const backupScript = new URL('../../dist/core/cli/backup.js', import.meta.url).pathname;
const seedScript = new URL('../../dist/core/cli/seed.js', import.meta.url).pathname;
const packageRoot = new URL('../..', import.meta.url).pathname;

/** A folder holding a seeded database, live.db, and the environment that names it. */
function setUp(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-backup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const live = join(dir, 'live.db');
  const env = { ...process.env, DATABASE_URL: `file:${live}` };
  t.equal(spawnSync(process.execPath, [seedScript], { env }).status, 0, 'seeded');
  return { dir, live, env };
}

const backup = (args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) => spawnSync(process.execPath, [backupScript, ...args], { ...options, encoding: 'utf8' });

const people = (file: string) => {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('select slug from people order by slug').pluck().all();
  } finally {
    db.close();
  }
};

/** Asserts a failed run: exit 1, one line on stderr matching `message`, nothing on stdout. */
function failed(t: Test, result: ReturnType<typeof backup>, message: RegExp, what: string) {
  t.equal(result.status, 1, `${what}: exit 1`);
  t.match(result.stderr, message, what);
  t.equal(result.stderr.trim().split('\n').length, 1, `${what}: one line`);
  t.equal(result.stdout, '', `${what}: nothing on stdout`);
}

t.test('--help describes the command and writes no file', async (t) => {
  const { dir, env } = setUp(t);
  for (const flag of ['--help', '-h']) {
    const result = backup([flag], { cwd: dir, env });
    t.equal(result.status, 0, `${flag}: exit 0`);
    t.match(result.stdout, /^usage: npm run backup -- \[--force\] <file>\n/);
    t.match(result.stdout, /--force +replace <file> if it exists/);
    t.equal(result.stderr, '');
  }
  t.same(readdirSync(dir).sort(), ['live.db'], 'no backup named --help');
});

t.test('a relative file is relative to the caller, and both paths are printed absolute', async (t) => {
  const { dir, live, env } = setUp(t);
  const caller = join(dir, 'caller');
  mkdirSync(caller);
  const direct = backup(['direct.db'], { cwd: caller, env });
  t.equal(direct.status, 0, direct.stderr);
  t.equal(direct.stdout, `backed up ${/backed up (\d+) pages/.exec(direct.stdout)?.[1]} pages of ${live} to ${join(caller, 'direct.db')}\n`);
  // What npm does for `npm run backup`: the script runs in the package root, INIT_CWD names the caller's folder.
  t.teardown(() => rmSync(join(packageRoot, 'via-npm.db'), { force: true })); // where a wrong resolution would put it
  const viaNpm = backup(['via-npm.db'], { cwd: packageRoot, env: { ...env, npm_lifecycle_event: 'backup', INIT_CWD: caller } });
  t.equal(viaNpm.status, 0, viaNpm.stderr);
  t.match(viaNpm.stdout, ` to ${join(caller, 'via-npm.db')}\n`);
  // Run directly, an INIT_CWD left by an outer npm command (npm test) does not apply.
  const nested = backup(['nested.db'], { cwd: caller, env: { ...env, npm_lifecycle_event: 'test', INIT_CWD: packageRoot } });
  t.equal(nested.status, 0, nested.stderr);
  t.same(readdirSync(caller).sort(), ['direct.db', 'nested.db', 'via-npm.db'], 'every copy is in the caller folder, with no -wal or -shm beside it');
  t.same(
    readdirSync(packageRoot).filter((name) => name.endsWith('.db')),
    [],
    'none in the package root',
  );
  for (const copy of readdirSync(caller)) t.same(people(join(caller, copy)), people(live), `${copy} holds the live data`);
});

t.test('the copy is one self-contained file: not in WAL mode, and opening it leaves no -wal or -shm', async (t) => {
  const { dir, env } = setUp(t);
  t.equal(backup(['copy.db'], { cwd: dir, env }).status, 0);
  const copy = new Sqlite(join(dir, 'copy.db'));
  t.equal(copy.pragma('journal_mode', { simple: true }), 'delete');
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  copy.close();
  t.same(
    readdirSync(dir).filter((name) => name.startsWith('copy')),
    ['copy.db'],
  );
});

t.test('an existing destination is kept unless --force is given', async (t) => {
  const { dir, live, env } = setUp(t);
  const existing = join(dir, 'notes.db');
  writeFileSync(existing, 'my notes');
  failed(t, backup(['notes.db'], { cwd: dir, env }), new RegExp(`^khabar backup: ${existing} exists: pass --force to replace it\n$`), 'without --force');
  t.equal(readFileSync(existing, 'utf8'), 'my notes', 'the file is untouched');
  const forced = backup(['--force', 'notes.db'], { cwd: dir, env });
  t.equal(forced.status, 0, forced.stderr);
  t.same(people(existing), people(live), 'with --force it is replaced by the copy');
  // (Reading live.db above opened it in WAL mode, which keeps its -wal and -shm.)
  t.same(
    readdirSync(dir).filter((name) => !name.startsWith('live.db')),
    ['notes.db'],
    'no temporary file is left',
  );
});

/** An old database at `file` whose last write is only in the -wal beside it, as a crashed process leaves it. */
function oldDatabaseWithWal(file: string) {
  const old = new Sqlite(file);
  old.pragma('journal_mode = WAL');
  old.pragma('wal_autocheckpoint = 0');
  old.exec("create table people (slug text); insert into people values ('stale-person')");
  const wal = readFileSync(`${file}-wal`);
  old.close(); // closing checkpoints the write into the file and deletes the -wal: put it back
  writeFileSync(`${file}-wal`, wal);
}

t.test('--force over an old database removes its -wal, -journal and -shm: the copy opens to the new content', async (t) => {
  const { dir, live, env } = setUp(t);
  const file = join(dir, 'old.db');
  oldDatabaseWithWal(file);
  t.same(people(file), ['stale-person'], 'the old database reads through its -wal');
  writeFileSync(`${file}-journal`, 'an old journal');
  const forced = backup(['--force', 'old.db'], { cwd: dir, env });
  t.equal(forced.status, 0, forced.stderr);
  t.same(
    readdirSync(dir).filter((name) => name.startsWith('old.db')),
    ['old.db'],
    'nothing of the old database is left beside the copy',
  );
  // Opened for writing, as a restore would: SQLite would replay a -wal or roll back a -journal it found.
  const copy = new Sqlite(file, { fileMustExist: true });
  t.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
  t.same(copy.prepare('select slug from people order by slug').pluck().all(), people(live), 'the copy holds the live data, not the old -wal replayed onto it');
  copy.close();
});

t.test('the live database is refused, however it is spelled or linked', async (t) => {
  const { dir, live, env } = setUp(t);
  mkdirSync(join(dir, 'sub'));
  symlinkSync(live, join(dir, 'link.db'));
  symlinkSync(dir, join(dir, 'folder-link'));
  linkSync(live, join(dir, 'hard.db'));
  const bytes = readFileSync(live);
  for (const name of ['live.db', './sub/../live.db', `${dir}//live.db`, 'folder-link/live.db', 'folder-link/live.db-wal', 'link.db', 'hard.db', 'live.db-wal', 'live.db-shm', 'live.db-journal']) {
    failed(t, backup([name, '--force'], { cwd: dir, env }), /^khabar backup: .* is the live database .* choose another destination\n$/, name);
  }
  t.same(readFileSync(live), bytes, 'the live database is unchanged');
});

t.test('bad arguments and settings are one-line errors', async (t) => {
  const { dir, env } = setUp(t);
  failed(t, backup([], { cwd: dir, env }), /^khabar backup: name the file to write \(see --help\)\n$/, 'no file');
  failed(t, backup(['a.db', 'b.db'], { cwd: dir, env }), /^khabar backup: one file, not 2 \(see --help\)\n$/, 'two files');
  failed(t, backup(['--frce', 'a.db'], { cwd: dir, env }), /^khabar backup: unknown option --frce \(see --help\)\n$/, 'a misspelt option');
  mkdirSync(join(dir, 'a-folder'));
  failed(t, backup(['a-folder', '--force'], { cwd: dir, env }), new RegExp(`^khabar backup: ${join(dir, 'a-folder')} is a folder\n$`), 'a folder');
  failed(t, backup(['missing/a.db'], { cwd: dir, env }), new RegExp(`^khabar backup: the folder ${join(dir, 'missing')} does not exist\n$`), 'a missing folder');
  failed(t, backup(['a.db'], { cwd: dir, env: { ...env, DATABASE_URL: 'file:file:live.db' } }), /^khabar backup: invalid DATABASE_URL: has a second scheme/, 'a bad DATABASE_URL');
  failed(
    t,
    backup(['a.db'], { cwd: dir, env: { ...env, DATABASE_URL: 'postgres://khabar:secret@127.0.0.1:1/khabar' } }),
    /^khabar backup: backup copies a SQLite file: back up PostgreSQL with its own tools/,
    'a PostgreSQL database',
  );
  failed(t, backup(['a.db'], { cwd: dir, env: { ...env, DATABASE_URL: 'file::memory:' } }), /^khabar backup: nothing to back up: DATABASE_URL is an in-memory database\n$/, 'an in-memory database');
  failed(t, backup(['a.db'], { cwd: dir, env: { ...env, DATABASE_URL: `file:${join(dir, 'none.db')}` } }), /^khabar backup: nothing to back up: .*none\.db does not exist\n$/, 'no database');
  t.same(readdirSync(dir).sort(), ['a-folder', 'live.db'], 'nothing was written');
});
