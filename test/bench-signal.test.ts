import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { until } from './until.js';

// The quick bench runs its SQLite rows before its PostgreSQL ones, which it is stopped in: on a busy machine, minutes.
t.setTimeout(300_000);

// Outside coverage, as the bench's smoke run (test/bench.test.ts).
const notCovered = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The processes whose command line or environment names `text`, as their pid and command line. */
function processesNaming(text: string): Array<{ pid: number; command: string }> {
  const found = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      if (command.includes(text) || readFileSync(`/proc/${pid}/environ`, 'utf8').includes(text)) found.push({ pid: Number(pid), command });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Starts the quick bench with `args` in a temporary root of its own (TMPDIR), cleaned up after the test whatever it found. */
function startBench(t: Test, args: string[]) {
  // Every folder the bench makes is in the root, and every process it starts inherits it.
  const root = mkdtempSync(join(tmpdir(), 'khabar-bench-signal-'));
  // The cluster runs as the postgres user when the tests run as root, and must reach its folder in here.
  chmodSync(root, 0o755);
  const bench = spawn(process.execPath, ['--import', 'tsx', new URL('../bench/run.ts', import.meta.url).pathname, ...args], {
    env: { ...notCovered, BENCH_QUICK: '1', BENCH_REPORT: '', TMPDIR: root },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<Exit>((resolve) => bench.once('exit', (code, signal) => resolve({ code, signal })));
  // Whatever the test found, nothing it started stays: a bench that failed to clean up is cleaned up after.
  t.teardown(async () => {
    if (bench.exitCode === null && bench.signalCode === null) bench.kill('SIGKILL');
    await exited;
    await until(async () => processesNaming(root).length === 0);
    for (const { pid } of processesNaming(root)) process.kill(pid, 'SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });
  const output = { stderr: '' };
  bench.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  /** Resolves true once the bench has logged `line`, false if it exits first. */
  const logged = (line: string) =>
    new Promise<boolean>((resolve) => {
      const seen = () => {
        if (output.stderr.includes(line)) resolve(true);
      };
      seen();
      bench.stderr!.on('data', seen);
      bench.once('exit', () => resolve(false));
    });
  return { root, bench, exited, output, logged };
}

/** Sends SIGTERM to the bench alone, and checks that it exits with 143 within `withinMs`, leaving no process it started and no folder it made. */
async function stopsCleanly(t: Test, { root, bench, exited, output }: ReturnType<typeof startBench>, withinMs: number) {
  const signalledAt = performance.now();
  bench.kill('SIGTERM');
  const gaveUp = new Promise<Exit>((resolve) => setTimeout(() => resolve({ code: null, signal: null }), 60_000).unref());
  const { code, signal } = await Promise.race([exited, gaveUp]);
  const stopMs = performance.now() - signalledAt;
  t.same({ code, signal }, { code: 143, signal: null }, `it exits with 143, ${Math.round(stopMs)} ms after the signal (${output.stderr.split('\n').slice(-3).join(' / ')})`);
  t.ok(stopMs < withinMs, `within ${withinMs} ms of the signal (${Math.round(stopMs)} ms)`);
  // The cluster's watcher (bench/postgres-cluster.ts) notices the bench has gone about a second later.
  t.ok(await until(async () => processesNaming(root).length === 0), `no process it started is left: ${JSON.stringify(processesNaming(root))}`);
  // tsx keeps its compile cache in the temporary folder too (tsx-<uid>), for the next run.
  t.same(
    readdirSync(root).filter((name) => !/^tsx-\d+$/.test(name)),
    [],
    'and its temporary folders are gone',
  );
}

t.test('a bench stopped by SIGTERM stops the servers, the load generator and the PostgreSQL cluster it started, removes its folders, and exits 143', async (t) => {
  const run = startBench(t, ['--engines', 'sqlite,postgres']);
  // Logged once khabar and the baseline answer on the bench's cluster, as the first scenario starts there.
  t.ok(await run.logged('bench: PostgreSQL: get by id'), 'the bench reached its PostgreSQL rows');
  const running = processesNaming(run.root).map(({ command }) => command);
  for (const [what, command] of Object.entries({ 'a khabar server': /dist\/bundle\/server\.js/, 'the load generator': /bench\/load\.ts/, "the cluster's server": /bin\/postgres -D / })) {
    t.ok(
      running.some((line) => command.test(line)),
      `${what} runs`,
    );
  }
  await stopsCleanly(t, run, 60_000);
});

t.test('a bench stopped by SIGTERM while seed:synthetic makes its data set stops the seed and exits 143 at once, not when the seed ends', async (t) => {
  // 50,000 articles: a seed of half a minute or more, far longer than the bench may take to stop.
  const run = startBench(t, ['--articles', '50000']);
  t.ok(await run.logged('bench: data set'), 'the bench reached its data set');
  const seeding = await until(async () => processesNaming(run.root).some(({ command }) => command.includes('seed-synthetic.js')));
  t.ok(seeding, 'seed:synthetic runs');
  await stopsCleanly(t, run, 10_000);
});
