import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stoppedAtEnd } from './cleanup.js';
import { freePort } from './free-port.js';
import { khabarEnv, nodeScript, root } from './settings.js';

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

/** Clock ticks a second, the unit of /proc's CPU times. */
const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The processes `pid` started, as /proc lists them under each of its threads. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((thread) => readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/** CPU seconds (user and system) a process and every process under it, living or reaped, have used so far; 0 for one that has gone. */
export function cpuSeconds(pid: number): number {
  let own = 0;
  try {
    // The fields after the command's closing parenthesis: utime, stime, then cutime and cstime (the 14th to 17th of
    // the line), the last two the children it has reaped, so a worker that exits during a slice still counts.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    own = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0) / ticks;
  } catch {
    return 0;
  }
  return childrenOf(pid).reduce((sum, child) => sum + cpuSeconds(child), own);
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
  const stop = stoppedAtEnd(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
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
    stop,
  };
  return server;
}

/** khabar's compiled server as `npm start` runs it, with the benchmark's settings, on `databaseUrl` and a free port. */
export async function startKhabar(options: { name: string; databaseUrl: string; core: number | null; readyPath: string; env?: Record<string, string> }): Promise<ServerProcess> {
  const start = nodeScript(root, 'start');
  const port = await freePort();
  return startServer({
    name: options.name,
    args: [...start.flags, join(root, start.script)],
    env: { ...khabarEnv, DATABASE_URL: options.databaseUrl, PORT: String(port), ...options.env },
    port,
    core: options.core,
    readyPath: options.readyPath,
  });
}
