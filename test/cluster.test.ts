import { spawnSync } from 'node:child_process';
import t from 'tap';
import { loadConfig } from '../src/core/config.js';
import { sharedDatabase } from './helper.js';
import { serverArgs, startServer, processToken as token } from './server-process.js';

t.test('WORKERS=2: two processes serve one database and stop together on SIGTERM', async (t) => {
  const server = await startServer({ DATABASE_URL: await sharedDatabase(t), WORKERS: '2' });
  t.teardown(() => server.stop());
  const created = await fetch(`${server.url}/v1/organisations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: 'لجنة-العاملين', name: 'لجنة العاملين', kind: 'committee' }),
  });
  t.equal(created.status, 201);
  const totals = await Promise.all(Array.from({ length: 8 }, async () => ((await (await fetch(`${server.url}/v1/organisations`)).json()) as { meta: { total: number } }).meta.total));
  t.same(new Set(totals), new Set([4]), 'every worker sees the one seed and the write');
  const listening = async () => new Set([...server.log().matchAll(/"pid":(\d+)[^\n]*Server listening/g)].map((m) => m[1])).size;
  for (let i = 0; i < 100 && (await listening()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(await listening(), 2, 'two workers listen');
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0, 'the primary exits 0 once the workers have closed');
});

t.test('WORKERS is 1 to 64, and more than one needs a database file', async (t) => {
  t.equal(loadConfig({}).workers, 1);
  t.equal(loadConfig({ WORKERS: '4' }).workers, 4);
  t.throws(() => loadConfig({ WORKERS: '0' }), { message: /^invalid WORKERS: / });
  const result = spawnSync(process.execPath, serverArgs, { env: { ...process.env, WORKERS: '2', DATABASE_URL: 'file::memory:' }, encoding: 'utf8', timeout: 15_000 });
  t.equal(result.status, 1);
  t.match(result.stderr, /^khabar: invalid WORKERS: /);
});
