/**
 * Readers and writers at once: readers (get by id and the first list page, in turn) at a fixed offered rate from
 * the load generator, writers (a POST of a new article and a PATCH of an existing one, in turn) at a fixed rate
 * from this process, open loop (a slow answer does not slow the next request). Each write's answer says where
 * its time went (the Server-Timing header: waiting for the group commit, its batch's transaction, the commit).
 */
import type { Loader } from './compare.js';
import type { Sample } from './data.js';
import type { SliceResult, StatusCounts } from './load.js';
import type { ServerProcess } from './processes.js';
import type { Stats } from './report.js';
import { auth, median, settings } from './settings.js';

/** Figures of the writes of a stretch of load, in ms (`batch` in writes). */
export interface WriteStats {
  sent: number;
  failed: number;
  /** Answers by status, and writes that got none (`connection error`). */
  statuses: StatusCounts;
  latency: number[];
  queue: number[];
  transaction: number[];
  commit: number[];
  batch: number[];
}

const timingPattern = /queue;dur=([\d.]+), transaction;dur=([\d.]+);desc="(\d+) writes", commit;dur=([\d.]+)/;

/** Starts writing at `rate` a second; `stop` waits for the answers still due and returns what they said. */
export function startWriters(server: ServerProcess, sample: Sample, rate: number) {
  const stats: WriteStats = { sent: 0, failed: 0, statuses: {}, latency: [], queue: [], transaction: [], commit: [], batch: [] };
  const inFlight = new Set<Promise<void>>();
  const prefix = `قياس-مختلط-${process.pid}-${Date.now()}`;

  async function write(turn: number) {
    const patch = turn % 2 === 1;
    const started = performance.now();
    const response = await fetch(server.url + (patch ? sample.articlePaths[turn % sample.articlePaths.length]! : '/v1/articles'), {
      method: patch ? 'PATCH' : 'POST',
      headers: patch ? { ...auth, 'content-type': 'application/merge-patch+json' } : auth,
      body: JSON.stringify(patch ? { summary: `تحديث ${turn}` } : { ...sample.postBody, slug: `${prefix}-${turn}` }),
    }).catch(() => null);
    await response?.arrayBuffer();
    const status = response ? String(response.status) : 'connection error';
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    if (!response?.ok) {
      stats.failed += 1;
      return;
    }
    stats.latency.push(performance.now() - started);
    const timing = timingPattern.exec(response.headers.get('server-timing') ?? '');
    if (!timing) return;
    stats.queue.push(Number(timing[1]));
    stats.transaction.push(Number(timing[2]));
    stats.batch.push(Number(timing[3]));
    stats.commit.push(Number(timing[4]));
  }

  // Sends what is due by the clock, so a late timer on a busy machine does not lower the rate.
  const began = performance.now();
  const timer = setInterval(() => {
    for (const due = Math.floor(((performance.now() - began) * rate) / 1000); stats.sent < due; ) {
      const sending = write(stats.sent++).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    }
  }, 5);

  return {
    async stop(): Promise<WriteStats> {
      clearInterval(timer);
      await Promise.all(inFlight);
      return stats;
    },
  };
}

/** The readers' slice: get by id and the first page of a list, in turn, at the offered rate. */
export const readerSlice = (sample: Sample, seconds: number) => ({
  method: 'GET' as const,
  paths: sample.articlePaths.flatMap((path) => [path, `/v1/articles?limit=${settings.pageSize}`]),
  connections: settings.connections,
  duration: seconds,
  overallRate: settings.mixed.readRate,
});

export interface MixedResult {
  quiet: Stats;
  busy: Stats;
  /** Each round's reader p99 with writes over without. */
  p99Ratios: number[];
  /** Each round's requests per second without writes over with (about 1 while the server keeps up with the offered rate). */
  rpsRatios: number[];
  /** The median over rounds of the paced readers' send lag p99 (ms), without and with writes: the generator's, left out of their latencies. */
  sendLagP99: { quiet: number; busy: number };
  writes: WriteStats;
}

/** The sum of some counts of statuses. */
export const addedCounts = (all: StatusCounts[]): StatusCounts => {
  const sum: StatusCounts = {};
  for (const counts of all) for (const [status, n] of Object.entries(counts)) sum[status] = (sum[status] ?? 0) + n;
  return sum;
};

/** Counts of statuses as a line: `200 × 1,234, 503 × 5`, leaving out what did not occur. */
export const countsLine = (counts: StatusCounts): string =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} × ${n.toLocaleString('en')}`)
    .join(', ') || 'none';

const merged = (all: WriteStats[]): WriteStats => ({
  sent: all.reduce((n, w) => n + w.sent, 0),
  failed: all.reduce((n, w) => n + w.failed, 0),
  statuses: addedCounts(all.map((w) => w.statuses)),
  latency: all.flatMap((w) => w.latency),
  queue: all.flatMap((w) => w.queue),
  transaction: all.flatMap((w) => w.transaction),
  commit: all.flatMap((w) => w.commit),
  batch: all.flatMap((w) => w.batch),
});

/** Rounds of readers alone, then readers with writers (A B A B …), on one server. */
export async function mixed(loader: Loader, server: ServerProcess, sample: Sample): Promise<MixedResult> {
  const { seconds, writeRate } = settings.mixed;
  const quiet: SliceResult[] = [];
  const busy: SliceResult[] = [];
  const writes: WriteStats[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    quiet.push(await loader.run(server, readerSlice(sample, seconds)));
    const writers = startWriters(server, sample, writeRate);
    busy.push(await loader.run(server, readerSlice(sample, seconds)));
    writes.push(await writers.stop());
  }
  const summary = (slices: Stats[]): Stats => ({
    rps: median(slices.map((s) => s.rps)),
    p50: median(slices.map((s) => s.p50)),
    p99: median(slices.map((s) => s.p99)),
    non2xx: slices.reduce((n, s) => n + s.non2xx, 0),
    errors: slices.reduce((n, s) => n + s.errors, 0),
  });
  return {
    quiet: summary(quiet),
    busy: summary(busy),
    p99Ratios: busy.map((s, round) => s.p99 / quiet[round]!.p99),
    rpsRatios: quiet.map((s, round) => s.rps / busy[round]!.rps),
    sendLagP99: { quiet: median(quiet.map((s) => s.sendLagP99 ?? 0)), busy: median(busy.map((s) => s.sendLagP99 ?? 0)) },
    writes: merged(writes),
  };
}

/** How late the generator sent the paced readers (its timer, its event loop busy with answers, and its process waiting for a core), which their latencies leave out. */
export const sendLagLine = ({ sendLagP99 }: MixedResult): string =>
  `The mixed readers' send lag (how late the generator sent them: its timer, its event loop and its process waiting for a core; left out of their latencies): p99 ${sendLagP99.quiet.toFixed(2)} ms without writes, ${sendLagP99.busy.toFixed(2)} ms with.`;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
};

/** Where the writes' time went: each figure's median and 99th percentile. */
export function writeTimeTable(writes: WriteStats, engine: 'sqlite' | 'postgres' = 'sqlite'): string[][] {
  const row = (name: string, values: number[], digits = 2) => [name, percentile(values, 50)?.toFixed(digits) ?? '–', percentile(values, 99)?.toFixed(digits) ?? '–'];
  // PostgreSQL has no group commit: a write waits for its process's turn at the feed's lock, a connection and its begin.
  const onSqlite = engine === 'sqlite';
  return [
    [onSqlite ? 'a write (ms, batch in writes)' : 'a write on PostgreSQL (ms, batch in writes)', 'p50', 'p99'],
    row('answered, from outside', writes.latency),
    row(onSqlite ? 'waiting for its group commit' : 'waiting for its turn and a connection', writes.queue),
    row(onSqlite ? "its batch's transaction" : 'its transaction', writes.transaction),
    row('commit', writes.commit),
    row('writes in its batch', writes.batch, 0),
    [`writes sent / failed`, String(writes.sent), String(writes.failed)],
  ];
}
