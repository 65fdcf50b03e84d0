/**
 * Interleaved comparisons: two servers take turns under the same load (A B A B …), the load generator in its
 * own process on the core neither server under load is pinned to. A side may be several nodes, which share its
 * load (bench/load.ts deals its connections to them in turn).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { stoppedAtEnd } from './cleanup.js';
import type { Slice, SliceResult } from './load.js';
import { cpuSeconds, pin, type ServerProcess } from './processes.js';
import type { Stats } from './report.js';
import { median, root, settings } from './settings.js';

/** What a side's load goes to: one server, or nodes that share it. */
export type Target = ServerProcess | readonly ServerProcess[];

const serversOf = (target: Target): readonly ServerProcess[] => ('url' in target ? [target] : target);
/** The core a target is pinned to: a lone server's; nodes are not pinned. */
const coreOf = (target: Target) => ('url' in target ? target.core : null);

export class Loader {
  readonly child: ChildProcess;
  /** Stops the load generator's process. */
  readonly stop: () => Promise<void>;
  constructor() {
    this.child = fork(join(root, 'bench', 'load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.stop = stoppedAtEnd(this.child);
  }
  /** Runs one slice, the load generator pinned away from the server's core. */
  run(target: Target, slice: Omit<Slice, 'urls'>): Promise<SliceResult> {
    const core = coreOf(target);
    pin(this.child.pid!, core === null ? null : 1 - core);
    return new Promise((resolve, reject) => {
      this.child.once('message', (message: { result?: SliceResult; error?: string }) => (message.result ? resolve(message.result) : reject(new Error(message.error))));
      this.child.send({ ...slice, urls: serversOf(target).map((server) => server.url) });
    });
  }
}

export interface Side {
  server: Target;
  slice: Omit<Slice, 'urls' | 'connections'>;
}

/**
 * The CPU a side's slices used, medians of its rounds: a server's processes (a cluster's primary and workers
 * together, or every node), the load generator's, and the database server's when the comparison was given its process.
 */
export interface CpuUse {
  /** CPU seconds a second of the slice: 1 is a whole core. */
  serverCores: number;
  serverUsPerRequest: number;
  loaderUsPerRequest: number;
  database: { cores: number; usPerRequest: number } | null;
}

export interface Comparison {
  a: Stats;
  b: Stats | null;
  /** Each round's a/b ratio of requests per second (empty with one side). */
  ratios: number[];
  /** Each side's, in the order of the sides. */
  cpu: CpuUse[];
}

/** A slice, with the CPU its server, the load generator and the database server (`database`, a pid, or null) used while it ran. */
async function measured(loader: Loader, server: Target, slice: Omit<Slice, 'urls'>, database: number | null): Promise<SliceResult & { cpu: CpuUse }> {
  const used = () => [serversOf(server).reduce((sum, node) => sum + cpuSeconds(node.child.pid!), 0), cpuSeconds(loader.child.pid!), database === null ? 0 : cpuSeconds(database)] as const;
  const [server0, loader0, database0] = used();
  const started = performance.now();
  const result = await loader.run(server, slice);
  const seconds = (performance.now() - started) / 1000;
  const [server1, loader1, database1] = used();
  const perRequest = (cpu: number) => (result.requests > 0 ? (cpu / result.requests) * 1e6 : 0);
  return {
    ...result,
    cpu: {
      serverCores: (server1 - server0) / seconds,
      serverUsPerRequest: perRequest(server1 - server0),
      loaderUsPerRequest: perRequest(loader1 - loader0),
      database: database === null ? null : { cores: (database1 - database0) / seconds, usPerRequest: perRequest(database1 - database0) },
    },
  };
}

/**
 * Two servers pinned to different cores take each other's core in odd rounds, so a core another process keeps
 * busy slows both sides alike; round 0 (and the warm-up before it) has each on its own core.
 */
function coreSwapper([a, b]: Side[]): (round: number) => void {
  const [one, other] = [a?.server, b?.server];
  if (!one || !other || one === other || !('url' in one) || !('url' in other)) return () => {};
  const [x, y] = [one.core, other.core];
  if (x === null || y === null || x === y) return () => {};
  return (round) => {
    const swapped = round % 2 === 1;
    one.moveTo(swapped ? y : x);
    other.moveTo(swapped ? x : y);
  };
}

/**
 * Interleaved slices of two sides (A B A B …, or A A … alone): medians of each, and each round's ratio. Given the
 * pid of the database server both sides use (PostgreSQL's postmaster, whose CPU counts its backends'), it reads that too.
 */
export async function compare(loader: Loader, sides: [Side, Side | null], connections: number, database: number | null = null): Promise<Comparison> {
  const present = sides.filter((side): side is Side => side !== null);
  const results = present.map(() => [] as Array<SliceResult & { cpu: CpuUse }>);
  const place = coreSwapper(present);
  if (settings.warmup) for (const side of present) await loader.run(side.server, { ...side.slice, connections, ...settings.warmup });
  for (let round = 0; round < settings.rounds; round++) {
    place(round);
    for (const [i, side] of present.entries()) results[i]!.push(await measured(loader, side.server, { ...side.slice, connections, ...settings.slice }, database));
  }
  place(0);
  const stats = results.map(
    (slices): Stats => ({
      rps: median(slices.map((s) => s.rps)),
      p50: median(slices.map((s) => s.p50)),
      p99: median(slices.map((s) => s.p99)),
      non2xx: slices.reduce((n, s) => n + s.non2xx, 0),
      errors: slices.reduce((n, s) => n + s.errors, 0),
    }),
  );
  const [first, second] = results;
  const cpu = results.map((slices) => ({
    serverCores: median(slices.map((s) => s.cpu.serverCores)),
    serverUsPerRequest: median(slices.map((s) => s.cpu.serverUsPerRequest)),
    loaderUsPerRequest: median(slices.map((s) => s.cpu.loaderUsPerRequest)),
    database: database === null ? null : { cores: median(slices.map((s) => s.cpu.database!.cores)), usPerRequest: median(slices.map((s) => s.cpu.database!.usPerRequest)) },
  }));
  return { a: stats[0]!, b: stats[1] ?? null, ratios: second ? first!.map((slice, round) => slice.rps / second[round]!.rps) : [], cpu };
}
