import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** taskset from util-linux, when the machine has it and more than one core to pin to. */
export const canPin = spawnSync('taskset', ['-p', String(process.pid)]).status === 0;

export interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** The core it is pinned to, or null. */
  core: number | null;
  /** Pins it (every thread) to another core. */
  moveTo(core: number): void;
  /** Milliseconds from spawn to the first 200 on `readyPath`. */
  startMs: number;
  stop(): Promise<void>;
}

/** Peak resident memory of a process in MB (VmHWM), or null once it has gone. */
export function peakRssMb(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Pins a running process (and only it) to one core, or lets it use every core with `null`. */
export function pin(pid: number, core: number | null) {
  if (canPin) spawnSync('taskset', ['-a', '-p', '-c', core === null ? '0-1023' : String(core), String(pid)], { stdio: 'ignore' });
}

/** Spawns `node <args>` (pinned to `core` where possible) and waits for the first 200 on `readyPath`. */
export async function startServer(options: { name: string; args: string[]; env?: Record<string, string>; port: number; core: number | null; readyPath: string }): Promise<ServerProcess> {
  const { name, port, core } = options;
  const started = performance.now();
  const [command, args] = canPin && core !== null ? ['taskset', ['-c', String(core), process.execPath, ...options.args]] : [process.execPath, options.args];
  const child = spawn(command as string, args as string[], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited at start: ${stderr}`);
    const status = await fetch(url + options.readyPath).then(
      (r) => r.arrayBuffer().then(() => r.status),
      () => 0,
    );
    if (status === 200) break;
    if (performance.now() - started > 60_000) child.kill();
    if (child.killed) throw new Error(`${name} did not answer 200 on ${options.readyPath}: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const server: ServerProcess = {
    name,
    url,
    child,
    core,
    startMs: performance.now() - started,
    moveTo(core) {
      if (core === server.core) return;
      pin(child.pid!, core);
      server.core = core;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return server;
}
