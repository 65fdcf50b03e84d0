/**
 * What a benchmark run started and must stop or remove: its servers, the load generator, a PostgreSQL cluster, its
 * temporary folders. Each is registered as it is made and ended by the run where it is done with it; when the run
 * fails, or on SIGINT or SIGTERM, `endingWhatItStarts` ends every one still registered, the newest first (a signal
 * then exits with the shell's status for it: 130, 143).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { log } from './settings.js';

const registered = new Set<() => Promise<void>>();

/** Registers `cleanup` and gives the run's own way to run it: once, after which a signal no longer runs it. */
export function atEnd(cleanup: () => unknown): () => Promise<void> {
  let ran: Promise<void> | undefined;
  const run = () => {
    registered.delete(run);
    ran ??= Promise.resolve()
      .then(cleanup)
      .then(() => undefined);
    return ran;
  };
  registered.add(run);
  return run;
}

/** A temporary folder named after `prefix`, and its removal, which a signal runs too. */
export function temporaryFolder(prefix: string): { path: string; remove: () => Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: atEnd(() => rmSync(path, { recursive: true, force: true })) };
}

/** Sends SIGTERM to `child` unless it has exited, and resolves once it has. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Registers a child process, stopped on a signal unless it has exited by then; the returned function stops it. */
export function stoppedAtEnd(child: ChildProcess): () => Promise<void> {
  const stop = atEnd(() => stopChild(child));
  child.once('exit', () => void stop());
  return stop;
}

/**
 * Runs `run`. When it fails, ends what is still registered, then throws its error; on SIGINT or SIGTERM while it runs,
 * ends what is registered (and whatever is registered meanwhile), then exits with 128 + the signal's number. `run` failing after
 * a signal, as it will once its servers are stopped, is the signal's doing.
 */
export async function endingWhatItStarts(run: () => Promise<void>): Promise<void> {
  const endAll = async () => {
    for (let last = [...registered].at(-1); last !== undefined; last = [...registered].at(-1)) {
      await last().catch((error: unknown) => log(`a clean-up failed: ${String(error)}`));
    }
  };
  let stopping: Promise<void> | null = null;
  const stop = (signal: NodeJS.Signals) => {
    stopping ??= (async () => {
      log(`${signal}: stopping what the run started`);
      await endAll();
      process.exit(128 + constants.signals[signal]);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await run();
  } catch (error) {
    if (stopping === null) {
      await endAll();
      throw error;
    }
  } finally {
    if (stopping === null) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  }
  await stopping;
}
