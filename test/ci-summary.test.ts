import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';

const script = new URL('../.ci/summary', import.meta.url).pathname;

// The closing lines of real tap 21 runs (a coverage table is printed when coverage is not full).
const table = (row: string) => ['----------|---------|----------|---------|---------|-------------------', 'File      | % Stmts | % Branch | % Funcs | % Lines | Uncovered Line #s ', row].join('\n');

/** Runs .ci/summary over tap runs given as [log, status] pairs; resolves its last line and exit status. */
function summariser(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-ci-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let logs = 0;
  return (...runs: Array<[string, number]>) => {
    const args = runs.flatMap(([log, status]) => {
      const file = join(dir, `log-${++logs}`);
      writeFileSync(file, log);
      return [file, String(status)];
    });
    const run = spawnSync('bash', [script, ...args], { encoding: 'utf8' });
    return { line: run.stdout.trim().split('\n').at(-1), status: run.status };
  };
}

t.test('.ci/summary: one line with passes, failures and skips, and why tap failed', async (t) => {
  const summariseRuns = summariser(t);
  const summarise = (log: string, status: number) => summariseRuns([log, status]);

  t.same(summarise('ok 1 - test/a.test.ts\n# { total: 120, pass: 119, skip: 1 }\n# time=1s\n', 0), { line: '119 passed, 0 failed, 1 skipped', status: 0 }, 'a skipped test is counted');
  t.same(summarise('not ok 2 - test/b.test.ts\n# { total: 3, pass: 1, fail: 1, skip: 1 }\n', 1), { line: '1 passed, 1 failed, 1 skipped', status: 1 });
  t.same(
    summarise(`${table('All files |   95.12 |    71.4 |   93.33 |   95.12 |                   ')}\n# { total: 2, pass: 2 }\n`, 1),
    { line: '2 passed, 0 failed, 0 skipped; coverage below threshold: branches 71.4% < 80%', status: 1 },
    'the thresholds of package.json: branches 80',
  );
  t.same(summarise(`${table('All files |      40 |      100 |      50 |      40 |                   ')}\n# { total: 2, pass: 2 }\n`, 1), {
    line: '2 passed, 0 failed, 0 skipped; coverage below threshold: statements 40% < 90%, functions 50% < 90%, lines 40% < 90%',
    status: 1,
  });
  t.same(
    summarise(`${table('All files |      90 |       80 |      90 |      90 |                   ')}\n# { total: 2, pass: 2 }\n`, 1),
    { line: '2 passed, 0 failed, 0 skipped; tap exited 1', status: 1 },
    'coverage exactly at every threshold is not why tap failed',
  );
  t.same(summarise('# No coverage generated\n# { total: 2, pass: 2 }\n', 1), { line: '2 passed, 0 failed, 0 skipped; no coverage generated', status: 1 });
  t.same(summarise('error TS2345: …\n', 2), { line: '0 passed, 1 failed, 0 skipped', status: 1 }, 'no tap summary: the run did not complete');
});

t.test('.ci/summary: the SQLite and the PostgreSQL runs summed on one line', async (t) => {
  const summarise = summariser(t);
  const sqlite: [string, number] = ['# { total: 120, pass: 119, skip: 1 }\n', 0];
  t.same(summarise(sqlite, ['# { total: 40, pass: 30, skip: 10 }\n', 0]), { line: '149 passed, 0 failed, 11 skipped', status: 0 }, 'both passed');
  t.same(
    summarise(sqlite, ['not ok 3 - test/c.test.ts\n# { total: 40, pass: 29, fail: 1, skip: 10 }\n', 1]),
    { line: '148 passed, 1 failed, 11 skipped', status: 1 },
    'a failure in the second run fails the whole',
  );
  t.same(
    summarise([`${table('All files |   95.12 |    71.4 |   93.33 |   95.12 |                   ')}\n# { total: 2, pass: 2 }\n`, 1], ['# { total: 3, pass: 3 }\n', 0]),
    { line: '5 passed, 0 failed, 0 skipped; coverage below threshold: branches 71.4% < 80%', status: 1 },
    "the first run's coverage, though the second passed",
  );
  t.same(summarise(sqlite, ['npm error\n', 1]), { line: '119 passed, 1 failed, 1 skipped', status: 1 }, 'a second run that did not complete counts as a failure');
});
