/**
 * The load generator, in its own process: receives a slice to run over IPC, runs autocannon on it, and sends
 * back requests per second and latency percentiles. Latencies are taken from each response's own timing
 * (autocannon's histogram counts whole milliseconds, too coarse for sub-millisecond requests). A slice sent to
 * several nodes deals its connections (and its amount and offered rate) to them in turn, one autocannon instance
 * each (bench/dealing.ts), and counts their answers together.
 */
import autocannon from 'autocannon';
import { dealSlice, type NodeShare } from './dealing.js';

export interface Slice {
  /** The server's URL, or each node's. */
  urls: string[];
  method: 'GET' | 'POST';
  /** Paths requested in turn. */
  paths: string[];
  /** For POST: a JSON body template whose `slug` is made unique per request. */
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
  connections: number;
  /** Seconds, or a number of requests when `amount` is set. */
  duration?: number;
  amount?: number;
  /** Requests per second offered in all, whatever the answers' pace (for the mixed scenario); flat out when left out. */
  overallRate?: number;
}

/** How many answers had each status, and how many requests got none (`connection error`, `timeout`). */
export type StatusCounts = Record<string, number>;

export interface SliceResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  /** Requests without an answer: connection errors and timeouts. */
  errors: number;
  statuses: StatusCounts;
}

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

let sliceNumber = 0;

/** One node's autocannon instance, on its share of the slice. */
function nodeLoad(slice: Slice, share: NodeShare, node: number) {
  let turn = 0;
  const prefix = `قياس-${process.pid}-${sliceNumber}-${node}`;
  return autocannon({
    url: share.url,
    connections: share.connections,
    ...(share.amount === undefined ? { duration: slice.duration ?? 5 } : { amount: share.amount }),
    ...(share.overallRate === undefined ? {} : { overallRate: share.overallRate }),
    headers: slice.headers ?? {},
    requests: [
      {
        method: slice.method,
        setupRequest: (request: Record<string, unknown>) => {
          turn += 1;
          const path = slice.paths[turn % slice.paths.length]!;
          const body = slice.body ? JSON.stringify({ ...slice.body, slug: `${prefix}-${turn}` }) : undefined;
          return { ...request, path, ...(body ? { body } : {}) };
        },
      },
    ],
  });
}

async function run(slice: Slice): Promise<SliceResult> {
  sliceNumber += 1;
  const latencies: number[] = [];
  // Requests per second over the span of the responses, so autocannon's own start-up is not counted.
  let first = Infinity;
  let last = 0;
  const instances = dealSlice(slice).map((share, node) => {
    const instance = nodeLoad(slice, share, node);
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      const now = performance.now();
      first = Math.min(first, now - responseTime);
      last = now;
      latencies.push(responseTime);
    });
    return instance;
  });
  const results = await Promise.all(instances);
  const seconds = (last - first) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const sum = (count: (result: (typeof results)[number]) => number) => results.reduce((n, result) => n + count(result), 0);
  // autocannon counts a timeout among its errors too.
  const statuses: StatusCounts = { 'connection error': sum((r) => r.errors - r.timeouts), timeout: sum((r) => r.timeouts) };
  for (const result of results) for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = (statuses[status] ?? 0) + count;
  return {
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    requests: sum((r) => r.requests.total),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    statuses,
  };
}

process.on('message', (slice: Slice) => {
  run(slice).then(
    (result) => process.send!({ result }),
    (error: unknown) => process.send!({ error: (error as Error).message }),
  );
});
