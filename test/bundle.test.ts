import { readFileSync } from 'node:fs';
import t from 'tap';
import { startServer } from './server-process.js';

// Each case starts a real server process: more than tap's default 30 s per file on a busy 2-core machine.
t.setTimeout(120_000);

const dependencies = Object.keys(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).dependencies);

/**
 * khabar's dependencies whose files the process has loaded from node_modules, from NODE_DEBUG=module's
 * `load "<file>"` lines (tap's own hooks, which it puts in every child process, are not among them).
 */
const loadedPackages = (log: string) => {
  const loaded = new Set([...log.matchAll(/load "[^"]*\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)].map((match) => match[1]));
  return dependencies.filter((name) => loaded.has(name));
};

t.test('npm start runs the bundle: only the native driver loads from node_modules at start, the docs page with its first request', async (t) => {
  const server = await startServer({ DATABASE_URL: 'file::memory:', NODE_DEBUG: 'module' });
  t.teardown(() => server.stop());
  t.equal((await fetch(`${server.url}/health`)).status, 200);
  t.equal((await fetch(`${server.url}/openapi.json`)).status, 200, 'the contract, which loads the YAML parser');
  t.same(loadedPackages(server.log()), ['better-sqlite3', 'yaml'], 'the native driver and the lazy YAML parser: the rest is in the bundle');

  const page = await fetch(`${server.url}/docs/`);
  t.equal(page.status, 200, 'the docs page');
  t.match(await page.text(), 'theme/khabar.css');
  for (const name of ['@fastify/swagger', '@fastify/swagger-ui']) t.ok(loadedPackages(server.log()).includes(name), `${name} is loaded now`);
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});
