/**
 * A step of a run that runs a program to its end (seed:synthetic, `--against`'s git worktree and build), awaited
 * rather than run synchronously: a blocked event loop would handle a signal only once the program had ended.
 */
import { spawn } from 'node:child_process';
import { atEnd } from './cleanup.js';

/**
 * Runs `command` in a process group of its own (it and what it starts: npm's shell, tsc), sent SIGTERM if the run
 * ends first; resolves when it exits 0, rejects with its stderr otherwise.
 */
export async function runToEnd(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<void> {
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  const stop = atEnd(async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGTERM');
    await ended.catch(() => undefined);
  });
  try {
    const code = await ended;
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${code ?? child.signalCode}): ${stderr}`);
  } finally {
    await stop();
  }
}
