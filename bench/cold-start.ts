/**
 * Cold start as an operator sees it: from spawning `npm start` (a fresh database, migrated and seeded) to the
 * first 200 on /health. Prints each run and the median. Needs a build (`npm ci` or `npm run build`).
 * Usage: npx tsx bench/cold-start.ts [runs, default 5]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { root } from './settings.js';

const runs = Number(process.argv[2] ?? 5);

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false;
  }
}

async function coldStartMs(): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'khabar-cold-start-'));
  const port = await freePort();
  const started = performance.now();
  // Its own process group, so stopping it stops npm, its shell and node together.
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: `file:${join(folder, 'khabar.db')}`, LOG_LEVEL: 'warn' },
  });
  const exited = once(child, 'exit');
  try {
    const deadline = started + 30_000;
    while (!(await healthy(`http://127.0.0.1:${port}/health`))) {
      if (child.exitCode !== null || performance.now() > deadline) throw new Error('npm start did not become healthy');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return performance.now() - started;
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
    rmSync(folder, { recursive: true, force: true });
  }
}

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  times.push(await coldStartMs());
  process.stdout.write(`run ${i + 1}: ${Math.round(times.at(-1)!)} ms\n`);
}
const median = [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)]!;
process.stdout.write(`median of ${runs}: ${Math.round(median)} ms\n`);
