import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../../src/core/config.js';
import { openDatabase } from '../../src/core/db/database.js';
import { parseDatabaseUrl } from '../../src/core/db/url.js';
import { serverArgs } from '../server-process.js';

t.setTimeout(120_000);

t.test('DATABASE_URL: the documented forms name a path taken literally', async (t) => {
  const cases: Array<[string, string]> = [
    ['file:./data/khabar.db', './data/khabar.db'],
    ['file:data/khabar.db', 'data/khabar.db'],
    ['file:/var/lib/khabar/khabar.db', '/var/lib/khabar/khabar.db'],
    ['file:///var/lib/khabar/khabar.db', '/var/lib/khabar/khabar.db'],
    ['file::memory:', ':memory:'],
    ['file:أخبار/خبر ١.db', 'أخبار/خبر ١.db'],
    ['file:/srv/a~b/x.db', '/srv/a~b/x.db'],
  ];
  for (const [url, path] of cases) {
    t.same(parseDatabaseUrl(url), { path }, url);
    t.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url, `${url} is accepted`);
  }
  t.equal(loadConfig({}).databaseUrl, 'file:./data/khabar.db', 'the default');
  t.equal(loadConfig({ DATABASE_URL: '' }).databaseUrl, 'file:./data/khabar.db', 'empty means not set');
});

const refused: Array<[string, RegExp]> = [
  ['file:/x/q.db?mode=ro', /query strings and fragments are not supported/],
  ['file:/x/q.db#main', /query strings and fragments are not supported/],
  ['file:file:/x/q.db', /second scheme \(file:\)/],
  ['file:FILE:/x/q.db', /second scheme/],
  ['file:sqlite:q.db', /second scheme \(sqlite:\)/],
  ['file:~/x.db', /~ is not expanded/],
  ['file: /x/q.db', /its path has whitespace around it/],
  ['file:/x/q.db ', /has whitespace around it/],
  [' file:/x/q.db', /has whitespace around it/],
  ['file:', /has no path/],
  ['file://server/share/q.db', /names a host/],
  ['file::memory:?cache=shared', /query strings and fragments are not supported/],
  ['file::memory:x', /only :memory: may start with a colon/],
  ['file:/x/q\u0000.db', /control character/],
  [`file:/${'x'.repeat(5000)}`, /longer than 4096/],
  ['/x/q.db', /must start with file:/],
];

t.test('DATABASE_URL: every form read another way elsewhere is a one-line error naming it', async (t) => {
  for (const [url, message] of refused) {
    t.throws(() => loadConfig({ DATABASE_URL: url }), { name: 'ConfigError', message: /^invalid DATABASE_URL: / }, JSON.stringify(url));
    t.throws(() => loadConfig({ DATABASE_URL: url }), { message }, `${JSON.stringify(url)}: says why`);
    t.throws(() => openDatabase(url), { name: 'DatabaseError', message: /invalid DATABASE_URL: / }, `${JSON.stringify(url)}: openDatabase refuses it too`);
  }
});

t.test('DATABASE_URL: postgres:// and postgresql:// name PostgreSQL, kept as written for node-postgres', async (t) => {
  for (const url of ['postgres://khabar:hunter2-secret@db.example:5432/khabar', 'postgresql://localhost/khabar', 'postgres://khabar@db.example/khabar?sslmode=require']) {
    t.equal(loadConfig({ DATABASE_URL: url }).databaseUrl, url, `${url} is accepted`);
    t.throws(() => openDatabase(url), { name: 'DatabaseError', message: /^invalid DATABASE_URL: must start with file: \(SQLite\)/ }, `${url}: SQLite's opener (the command line tools') refuses it`);
  }
  const refusedPostgres: Array<[string, RegExp]> = [
    ['postgres://khabar:hunter2-secret@db.example', /^invalid DATABASE_URL: names no database: write postgres:\/\/user:password@host:5432\/database$/],
    ['postgres://khabar:hunter2-secret@db.example/', /^invalid DATABASE_URL: names no database/],
    ['postgres://khabar:hunter2-secret@:5432/khabar', /^invalid DATABASE_URL: (names no host|is not a URL)/],
    ['postgres://khabar:hunter2 secret@[db/khabar', /^invalid DATABASE_URL: is not a URL: write postgres:/],
    ['postgres://khabar:hunter2-secret@db.example/khabar ', /^invalid DATABASE_URL: has whitespace around it$/],
  ];
  for (const [url, message] of refusedPostgres) {
    t.throws(() => loadConfig({ DATABASE_URL: url }), { name: 'ConfigError', message }, JSON.stringify(url));
    t.throws(() => loadConfig({ DATABASE_URL: url }), { message: /^(?![\s\S]*hunter2)/ }, `${JSON.stringify(url)}: the password is not in the error`);
  }
});

t.test('DATABASE_READ_URL: a PostgreSQL replica, only beside a PostgreSQL DATABASE_URL; refused in one line without its password', async (t) => {
  const primary = 'postgres://khabar:hunter2-secret@db.example/khabar';
  const replica = 'postgres://khabar:hunter2-secret@replica.example:5432/khabar?sslmode=require';
  t.equal(loadConfig({}).databaseReadUrl, null, 'none unless set');
  t.equal(loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: '' }).databaseReadUrl, null, 'empty means not set');
  t.equal(loadConfig({ DATABASE_URL: primary, DATABASE_READ_URL: replica }).databaseReadUrl, replica, 'kept as written for node-postgres');
  const refused: Array<[Record<string, string>, RegExp]> = [
    [{ DATABASE_READ_URL: replica }, /^invalid DATABASE_READ_URL: a read replica needs a PostgreSQL DATABASE_URL \(postgres:\/\/…\); SQLite reads its own file$/],
    [{ DATABASE_URL: 'file::memory:', DATABASE_READ_URL: replica }, /^invalid DATABASE_READ_URL: a read replica needs a PostgreSQL DATABASE_URL/],
    [{ DATABASE_URL: primary, DATABASE_READ_URL: 'file:./replica.db' }, /^invalid DATABASE_READ_URL: must start with postgres: or postgresql:/],
    [{ DATABASE_URL: primary, DATABASE_READ_URL: 'postgres://khabar:hunter2-secret@replica.example' }, /^invalid DATABASE_READ_URL: names no database: write postgres:/],
    [{ DATABASE_URL: primary, DATABASE_READ_URL: 'postgres://khabar:hunter2 secret@[replica/khabar' }, /^invalid DATABASE_READ_URL: is not a URL/],
  ];
  for (const [env, message] of refused) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
    t.throws(() => loadConfig(env), { message: /^[^\n]*$/ }, `${JSON.stringify(env)}: one line`);
    t.throws(() => loadConfig(env), { message: /^(?![\s\S]*hunter2)/ }, `${JSON.stringify(env)}: the password is not in the error`);
  }
});

t.test('DATABASE_POOL_MAX: PostgreSQL connections per process, 1 to 1000, 10 unless set', async (t) => {
  t.equal(loadConfig({}).databasePoolMax, 10);
  t.equal(loadConfig({ DATABASE_POOL_MAX: '' }).databasePoolMax, 10, 'empty means not set');
  t.equal(loadConfig({ DATABASE_POOL_MAX: '25' }).databasePoolMax, 25);
  t.equal(loadConfig({ DATABASE_POOL_MAX: '1000' }).databasePoolMax, 1000);
  for (const value of ['0', '1001', 'ten', '-5', '010']) {
    t.throws(() => loadConfig({ DATABASE_POOL_MAX: value }), { name: 'ConfigError', message: /^invalid DATABASE_POOL_MAX: an integer from 1 to 1000/ }, value);
  }
});

t.test('the server refuses them at start-up and creates no database anywhere', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-url-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Relative to the working folder, so a database created by mistake would appear in it.
  for (const url of ['file:data/q.db?mode=ro', 'file:file:data/q.db', 'file:~/q.db', 'file: data/q.db']) {
    const result = spawnSync(process.execPath, serverArgs, { cwd: dir, env: { ...process.env, DATABASE_URL: url, PORT: '0' }, encoding: 'utf8', timeout: 15_000 });
    t.equal(result.status, 1, `${url}: exit 1`);
    t.match(result.stderr, /^khabar: invalid DATABASE_URL: /, url);
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    t.same(readdirSync(dir), [], 'nothing was created');
  }
});
