/**
 * The load generator, in its own process: receives a slice to run over IPC, runs autocannon on it, and sends
 * back requests per second and latency percentiles. Latencies are taken from each response's own timing
 * (autocannon's histogram counts whole milliseconds, too coarse for sub-millisecond requests).
 */
import autocannon from 'autocannon';

export interface Slice {
  url: string;
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

async function run(slice: Slice): Promise<SliceResult> {
  sliceNumber += 1;
  let turn = 0;
  const prefix = `قياس-${process.pid}-${sliceNumber}`;
  const latencies: number[] = [];
  // Requests per second over the span of the responses, so autocannon's own start-up is not counted.
  let first = Infinity;
  let last = 0;
  const instance = autocannon({
    url: slice.url,
    connections: slice.connections,
    ...(slice.amount ? { amount: slice.amount } : { duration: slice.duration ?? 5 }),
    ...(slice.overallRate ? { overallRate: slice.overallRate } : {}),
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
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    const now = performance.now();
    first = Math.min(first, now - responseTime);
    last = now;
    latencies.push(responseTime);
  });
  const result = await instance;
  const seconds = (last - first) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const completed = result.requests.total;
  return {
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    requests: completed,
    non2xx: result.non2xx,
    // autocannon counts a timeout among its errors too.
    errors: result.errors,
    statuses: {
      ...Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count])),
      'connection error': result.errors - result.timeouts,
      timeout: result.timeouts,
    },
  };
}

process.on('message', (slice: Slice) => {
  run(slice).then(
    (result) => process.send!({ result }),
    (error: unknown) => process.send!({ error: (error as Error).message }),
  );
});
