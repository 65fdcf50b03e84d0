import { spawnSync } from 'node:child_process';
import t from 'tap';

// The benchmark itself is not part of npm test; this quick run on a tiny data set keeps it working. It starts
// several servers, so it gets more than the default 30 s on a busy machine.
t.setTimeout(180_000);

// Outside coverage: the bench loads the sources through tsx, and tap would count those copies' functions a
// second time (as never called) next to the ones the other tests cover.
const notCovered = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };

t.test('npm run bench in quick mode produces the table with every scenario and target', async (t) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', new URL('../bench/run.ts', import.meta.url).pathname], {
    env: { ...notCovered, BENCH_QUICK: '1', BENCH_REPORT: '' },
    encoding: 'utf8',
    timeout: 170_000,
  });
  t.equal(run.status, 0, run.stderr);
  const scenarios = ['get by id', 'list of 20', 'include=people,organisations', 'page 1 vs page', 'search', 'POST /v1/articles with relations', '1 vs 2 workers'];
  for (const scenario of scenarios) t.match(run.stdout, scenario);
  const targets = [
    'req/s vs baseline',
    'p99 vs baseline',
    'vs two-query baseline',
    'p50 latency',
    'search p99',
    'vs raw insert',
    'peak RSS',
    'cold start',
    'WAL peak',
    'seed:synthetic',
    '2 workers vs 1',
  ];
  for (const target of targets) t.match(run.stdout, target);
  t.match(run.stdout, /get by id\s+khabar \/ baseline\s+\d+/, 'get by id measured');
  t.match(run.stdout, /list of 20\s+khabar \/ baseline\s+\d+.*\byes\s+0 \/ 0\s*$/m, 'the baseline list sends the same bytes, and every answer was a 2xx');
  t.match(run.stdout, /include=people,organisations\s+khabar \/ baseline\s+\d+.*\byes\s+0 \/ 0\s*$/m, 'the baseline embeds the same records: same bytes');
  t.match(run.stdout, /POST \/v1\/articles with relations\s+khabar \/ baseline\s+\d+.*\s0 \/ 0\s*$/m, 'writes are measured, not refused (no rate limit, no 429)');
});
