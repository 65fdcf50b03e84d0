import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { loadConfig } from '../src/core/config.js';
import { serverArgs, startServer, processToken as token } from './server-process.js';

// Each case starts real server processes: more than tap's default 30 s per file on a busy 2-core machine.
t.setTimeout(120_000);

t.test('the real server: start, serve, write, stop on SIGTERM, restart with the data kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-smoke-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATABASE_URL: `file:${join(dir, 'data', 'khabar.db')}` };

  const server = await startServer(env);
  t.teardown(() => server.stop());
  t.same(await (await fetch(`${server.url}/health`)).json(), { status: 'ok' });
  const articles = (await (await fetch(`${server.url}/v1/articles`)).json()) as { data: { title: string }[] };
  t.match(articles.data[0]!.title, /العدواني/, 'seeded on first start');

  const created = await fetch(`${server.url}/v1/organisations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: 'لجنة-تجريبية', name: 'لجنة تجريبية', kind: 'committee' }),
  });
  t.equal(created.status, 201);
  const refused = await fetch(`${server.url}/v1/organisations/لجنة-تجريبية`, { method: 'DELETE' });
  t.equal(refused.status, 401);

  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'SIGTERM closes cleanly with exit 0');
  t.notMatch(server.log(), token, 'the token never reaches the log');

  const again = await startServer(env);
  t.teardown(() => again.stop());
  const kept = await fetch(`${again.url}/v1/organisations/${encodeURIComponent('لجنة-تجريبية')}`);
  t.equal(kept.status, 200, 'the write survived the restart');
  const orgs = (await (await fetch(`${again.url}/v1/organisations`)).json()) as { meta: { total: number } };
  t.equal(orgs.meta.total, 4, 'not seeded a second time');
  again.child.kill('SIGINT');
  t.equal(await again.exited, 0, 'SIGINT closes cleanly too');
});

t.test('without API_TOKENS the start-up log says writes are disabled', async (t) => {
  const server = await startServer({ DATABASE_URL: 'file::memory:', API_TOKENS: '' });
  t.teardown(() => server.stop());
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.match(server.log(), /writes are disabled/);
  server.child.kill('SIGTERM');
  await server.exited;
});

t.test('a bad setting stops start-up with one line naming it', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^khabar: invalid PORT: /],
    [{ PORT: '70000' }, /^khabar: invalid PORT: /],
    [{ LOG_LEVEL: 'loud' }, /^khabar: invalid LOG_LEVEL: /],
    [{ DATABASE_URL: 'file:/x/q.db?mode=ro' }, /^khabar: invalid DATABASE_URL: /],
    [{ DATABASE_URL: 'postgres://khabar:hunter2-secret@127.0.0.1' }, /^khabar: invalid DATABASE_URL: names no database/],
    [{ DATABASE_POOL_MAX: '0' }, /^khabar: invalid DATABASE_POOL_MAX: /],
    // Nothing listens on port 1: the error names the database without its password.
    [{ DATABASE_URL: 'postgres://khabar:hunter2-secret@127.0.0.1:1/khabar' }, /^khabar: cannot open database postgres:\/\/khabar@127\.0\.0\.1:1\/khabar: /],
    [{ API_TOKENS: 'editor:short' }, /^khabar: invalid API_TOKENS: token editor is shorter/],
    [{ SEED: 'sometimes' }, /^khabar: invalid SEED: /],
    [{ BODY_LIMIT: '-1' }, /^khabar: invalid BODY_LIMIT: /],
    [{ TRUST_PROXY: 'true' }, /^khabar: invalid TRUST_PROXY: true trusts every hop.*write the number of proxies/],
    [{ API_TOKENS: 'editor:secret-0123456789abcdef,editor:other-0123456789abcdef' }, /^khabar: invalid API_TOKENS: token name editor is used twice/],
    [{ HEADERS_TIMEOUT_MS: '60000' }, /^khabar: invalid HEADERS_TIMEOUT_MS: /],
    [{ PUBLIC_URL: 'https://news.example\\' }, /^khabar: invalid PUBLIC_URL: an origin such as https:\/\/news\.example, without credentials, a path, query, fragment or backslash\n$/],
  ];
  for (const [env, message] of cases) {
    const result = spawnSync(process.execPath, serverArgs, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 15_000 });
    t.equal(result.status, 1, `${JSON.stringify(env)}: exit 1`);
    t.match(result.stderr, message);
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(result.stderr, /hunter2/, 'no password');
  }
});

t.test('the HTTP settings: defaults, lists, and bad values named', async (t) => {
  t.match(loadConfig({}), { cacheMaxAge: 30, cacheStaleWhileRevalidate: 60, requireIfMatch: false, corsOrigins: '*', rateLimitMax: 300, rateLimitWriteMax: 60, rateLimitWindowSeconds: 60 });
  t.same(loadConfig({ CORS_ORIGINS: 'https://news.example, http://localhost:5173' }).corsOrigins, ['https://news.example', 'http://localhost:5173']);
  t.equal(loadConfig({ CORS_ORIGINS: 'https://news.example,*' }).corsOrigins, '*', 'a * in the list means any origin');
  t.match(loadConfig({ RATE_LIMIT_MAX: '0', RATE_LIMIT_WRITE_MAX: '0', REQUIRE_IF_MATCH: 'true' }), { rateLimitMax: 0, rateLimitWriteMax: 0, requireIfMatch: true });
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ CORS_ORIGINS: 'https://news.example/path' }, /^invalid CORS_ORIGINS: an origin has no path/],
    [{ CORS_ORIGINS: 'ftp://files.example' }, /^invalid CORS_ORIGINS: /],
    [{ RATE_LIMIT_WINDOW: '0' }, /^invalid RATE_LIMIT_WINDOW: /],
    [{ RATE_LIMIT_MAX: '-1' }, /^invalid RATE_LIMIT_MAX: /],
    [{ CACHE_MAX_AGE: 'soon' }, /^invalid CACHE_MAX_AGE: /],
    [{ REQUIRE_IF_MATCH: 'yes' }, /^invalid REQUIRE_IF_MATCH: /],
  ];
  for (const [env, message] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
});
