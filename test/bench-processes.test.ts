import { spawn } from 'node:child_process';
import t from 'tap';
import { cpuSeconds } from '../bench/processes.js';

t.test("a process's CPU seconds count the processes under it", async (t) => {
  // A parent that idles, its child and grandchild each spinning for 0.3 s of their own CPU, then idling, alive.
  const spin = 'for (const start = process.cpuUsage(); process.cpuUsage(start).user < 300_000; );';
  const stay = 'setTimeout(() => {}, 60_000);';
  const spawning = (code: string) => `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(code)}], { stdio: 'ignore' });`;
  const child = `${spin} ${spawning(`${spin} ${stay}`)} ${stay}`;
  // In a process group of its own, so that the teardown ends the whole tree.
  const parent = spawn(process.execPath, ['-e', `${spawning(child)} ${stay}`], { stdio: 'ignore', detached: true });
  t.teardown(() => process.kill(-parent.pid!, 'SIGKILL'));
  let used = 0;
  for (const deadline = Date.now() + 30_000; used < 0.6 && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    used = cpuSeconds(parent.pid!);
  }
  t.ok(used >= 0.6, `the parent, which idled, is counted with its child and grandchild: ${used.toFixed(2)} s`);
});

t.test('a process that has exited still counts, in its parent', async (t) => {
  // A parent that idles; its child spins for 0.3 s of its own CPU and exits, and the parent reaps it.
  const spin = 'for (const start = process.cpuUsage(); process.cpuUsage(start).user < 300_000; );';
  const parent = spawn(
    process.execPath,
    ['-e', `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin)}], { stdio: 'ignore' }).on('exit', () => console.log('reaped')); setTimeout(() => {}, 60_000);`],
    { stdio: ['ignore', 'pipe', 'ignore'], detached: true },
  );
  t.teardown(() => process.kill(-parent.pid!, 'SIGKILL'));
  await new Promise((resolve) => parent.stdout!.once('data', resolve));
  const used = cpuSeconds(parent.pid!);
  t.ok(used >= 0.3, `the parent, which idled, is counted with its exited child: ${used.toFixed(2)} s`);
});
