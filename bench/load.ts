/**
 * The load generator, in its own process: receives a slice to run over IPC, runs it, and sends back requests per
 * second and latency percentiles. A slice flat out runs on autocannon, its latencies taken from each response's own
 * timing (autocannon's histogram counts whole milliseconds, too coarse for sub-millisecond requests). A slice at an
 * offered rate runs paced (`pacedLoad`). A slice sent to several nodes deals its connections (and its amount and
 * offered rate) to them in turn, one instance each (bench/dealing.ts), and counts their answers together.
 */
import { Agent, request } from 'node:http';
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
  /** Requests per second offered in all, evenly spaced whatever the answers' pace (for the mixed scenario); flat out when left out. */
  overallRate?: number;
}

/** How many answers had each status, and how many requests got none (`connection error`, `timeout`). */
export type StatusCounts = Record<string, number>;

export interface SliceResult {
  rps: number;
  p50: number;
  p99: number;
  /** Requests answered (with any status). */
  requests: number;
  /** At an offered rate: the 99th percentile of how late the generator sent a request (ms: its timer, its event loop busy with answers, and its process waiting for a core), which its latency leaves out. */
  sendLagP99?: number;
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

/** What one node's instance answered, and at an offered rate how late each request left. */
interface NodeAnswers {
  statuses: StatusCounts;
  requests: number;
  sendLags?: number[];
}

/** Each answer's latency and end, in ms of `performance.now()`. */
type OnAnswer = (latency: number, end: number) => void;

/** A flat-out share on autocannon: its answers' own timings, statuses and requests counted by autocannon. */
async function autocannonLoad(slice: Slice, share: NodeShare, node: number, onAnswer: OnAnswer): Promise<NodeAnswers> {
  const instance = nodeLoad(slice, share, node);
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => onAnswer(responseTime, performance.now()));
  const result = await instance;
  // autocannon counts a timeout among its errors too.
  const statuses: StatusCounts = { 'connection error': result.errors - result.timeouts, timeout: result.timeouts };
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = count;
  return { statuses, requests: result.requests.total };
}

/** As autocannon's default: a socket idle for 10 s while a request waits for its answer counts as a timeout. */
const pacedTimeoutMs = 10_000;

/**
 * A share at an offered rate, open loop: request number k is due k / rate seconds after the start and sent then,
 * over at most `connections` keep-alive connections (one due while every connection is busy waits for one), and
 * its latency counts from the moment it was sent, so a server's stall counts in full for every request sent during
 * it. Unlike wrk2, which counts from the moment a request was due, the generator's own lateness (its timer rounded
 * to whole ms, its process waiting for a core) is left out of the latency and reported beside it, as the send lag:
 * 4.5-8.5 ms at p99 in the mixed scenario at 1,000,000 articles (docs/performance.md). autocannon's own rate sends each
 * connection's quota for a second back to back at the second's tick, so its latencies measured the readers queueing
 * behind each other in those bursts (docs/performance.md, "The mixed scenario's readers, paced").
 */
async function pacedLoad(slice: Slice, share: NodeShare & { overallRate: number }, node: number, onAnswer: OnAnswer): Promise<NodeAnswers> {
  const agent = new Agent({ keepAlive: true, maxSockets: share.connections });
  const statuses: StatusCounts = { 'connection error': 0, timeout: 0 };
  let answered = 0;
  const url = new URL(share.url);
  const prefix = `قياس-${process.pid}-${sliceNumber}-${node}`;
  const total = share.amount ?? Math.floor((slice.duration ?? 5) * share.overallRate);
  const interval = 1000 / share.overallRate;
  const answers: Promise<void>[] = [];
  const sendLags: number[] = [];

  const send = (turn: number, sentAt: number) =>
    new Promise<void>((resolve) => {
      // Each request settles once: a socket's error after its answer ended is not a second outcome.
      let settled = false;
      const settle = (status: string) => {
        if (settled) return false;
        settled = true;
        statuses[status] = (statuses[status] ?? 0) + 1;
        resolve();
        return true;
      };
      const body = slice.body ? JSON.stringify({ ...slice.body, slug: `${prefix}-${turn}` }) : undefined;
      const sent = request(
        { host: url.hostname, port: url.port, method: slice.method, path: slice.paths[turn % slice.paths.length]!, agent, headers: slice.headers ?? {}, timeout: pacedTimeoutMs },
        (response) => {
          response.resume();
          // A whole answer settles at its end; one cut off part way closes without ending.
          const finish = () => {
            const end = performance.now();
            if (!response.complete) return settle('connection error');
            if (!settle(String(response.statusCode))) return;
            answered += 1;
            onAnswer(end - sentAt, end);
          };
          response.on('end', finish);
          response.on('close', finish);
        },
      );
      sent.on('timeout', () => sent.destroy(new Error('timeout')));
      sent.on('error', (error) => settle(error.message === 'timeout' ? 'timeout' : 'connection error'));
      sent.end(body);
    });

  const began = performance.now();
  let turn = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; turn < total && began + turn * interval <= now; turn++) {
        sendLags.push(now - (began + turn * interval));
        answers.push(send(turn, now));
      }
      if (turn >= total) return resolve();
      setTimeout(tick, Math.max(0, began + turn * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(answers);
  agent.destroy();
  return { statuses, requests: answered, sendLags };
}

async function run(slice: Slice): Promise<SliceResult> {
  sliceNumber += 1;
  const latencies: number[] = [];
  // Requests per second over the span of the responses, so the generator's own start-up is not counted.
  let first = Infinity;
  let last = 0;
  const onAnswer: OnAnswer = (latency, end) => {
    first = Math.min(first, end - latency);
    last = end;
    latencies.push(latency);
  };
  const answers = await Promise.all(
    dealSlice(slice).map((share, node) =>
      share.overallRate === undefined ? autocannonLoad(slice, share, node, onAnswer) : pacedLoad(slice, { ...share, overallRate: share.overallRate }, node, onAnswer),
    ),
  );
  const seconds = (last - first) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  const statuses: StatusCounts = {};
  for (const answer of answers) for (const [status, n] of Object.entries(answer.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const errors = (statuses['connection error'] ?? 0) + (statuses.timeout ?? 0);
  const ok = Object.entries(statuses)
    .filter(([status]) => /^2\d\d$/.test(status))
    .reduce((n, [, k]) => n + k, 0);
  return {
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    requests: answers.reduce((n, answer) => n + answer.requests, 0),
    ...(slice.overallRate === undefined ? {} : { sendLagP99: percentile(Float64Array.from(answers.flatMap((answer) => answer.sendLags ?? [])).sort(), 99) }),
    non2xx: Object.values(statuses).reduce((n, k) => n + k, 0) - ok - errors,
    errors,
    statuses,
  };
}

process.on('message', (slice: Slice) => {
  run(slice).then(
    (result) => process.send!({ result }),
    (error: unknown) => process.send!({ error: (error as Error).message }),
  );
});
