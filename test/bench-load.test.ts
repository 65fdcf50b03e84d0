import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { dealSlice } from '../bench/dealing.js';
import type { Slice, SliceResult } from '../bench/load.js';

// Outside coverage, as the bench's smoke run: the load generator runs from the sources through tsx.
const notCovered = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };

/** The URL of a local server, listening, closed at the test's end. */
const listening = (t: Test, server: Server) => {
  t.teardown(() => server.close());
  return new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
};

/** Runs a slice in a load generator's process, as the benchmark does. */
const runSlice = (t: Test, slice: Slice) => {
  const loader = fork(new URL('../bench/load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], env: notCovered, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.teardown(() => loader.kill());
  const answer = new Promise<{ result?: SliceResult; error?: string }>((resolve) => loader.once('message', resolve));
  loader.send(slice);
  return answer;
};

t.test('a slice sent to two nodes deals its connections and its requests to both, and counts every answer', async (t) => {
  const received = [0, 0];
  const connections = [new Set<unknown>(), new Set<unknown>()];
  const servers = received.map((_, node) =>
    createServer((req, res) => {
      received[node]! += 1;
      connections[node]!.add(req.socket);
      res.end('{}');
    }),
  );
  const urls = await Promise.all(servers.map((server) => listening(t, server)));
  const { result, error } = await runSlice(t, { urls, method: 'GET', paths: ['/v1/articles'], connections: 10, amount: 300 });
  t.equal(error, undefined, 'the slice ran');
  t.same(received, [150, 150], 'each node got half the requests');
  t.same(
    connections.map((open) => open.size),
    [5, 5],
    'over half the connections each',
  );
  t.equal(result?.requests, 300, 'every request is counted once');
  t.same(result?.statuses, { 200: 300, 'connection error': 0, timeout: 0 }, 'with its status');
  t.equal(result?.non2xx, 0);
});

t.test('a slice at an offered rate sends its requests evenly spaced, and counts each latency from the moment the request was sent, a stall in full', async (t) => {
  const arrivals: number[] = [];
  const server = createServer((_req, res) => {
    arrivals.push(performance.now());
    // One stall of 150 ms: with one connection, the requests due meanwhile wait in the generator.
    if (arrivals.length === 50) {
      const until = performance.now() + 150;
      while (performance.now() < until);
    }
    res.end('{}');
  });
  const url = await listening(t, server);
  const { result, error } = await runSlice(t, { urls: [url], method: 'GET', paths: ['/v1/articles'], connections: 1, duration: 1, overallRate: 200 });
  t.equal(error, undefined, 'the slice ran');
  t.equal(result?.requests, 200, 'the rate times the duration');
  t.same(result?.statuses, { 200: 200, 'connection error': 0, timeout: 0 }, 'each answered');
  // A burst (a second's quota sent back to back, as autocannon's own rate does) puts far more than 20 in 100 ms.
  const busiest = Math.max(...arrivals.map((start) => arrivals.filter((at) => at >= start && at < start + 100).length));
  // (A few more at a window's edges.)
  t.ok(busiest <= 20 + 30 + 5, `no burst: at most ${busiest} requests arrived in any 100 ms, against 20 offered (and the 30 due during the stall, sent after it)`);
  const before = arrivals.slice(0, 49);
  const span = before.at(-1)! - before[0]!;
  const gaps = before
    .slice(1)
    .map((at, i) => at - before[i]!)
    .sort((x, y) => x - y);
  t.ok(span >= 200 && span <= 300, `before the stall, 49 requests over ${span.toFixed(0)} ms: one every 5 ms takes 240`);
  t.ok(gaps[24]! >= 4 && gaps[24]! <= 6, `their median gap ${gaps[24]!.toFixed(1)} ms`);
  // About 30 requests were sent during the stall (on time: the generator was not stalled); the slowest waited most of it.
  t.ok(result!.p99 >= 100, `the stall counts in full: p99 ${result!.p99.toFixed(1)} ms`);
});

t.test('at an offered rate each request counts once: an answer cut off part way as a connection error, a connection reset after a whole answer not again', async (t) => {
  let received = 0;
  const server = createServer((req, res) => {
    received += 1;
    if (received % 2 === 1) {
      res.end('{}', () => req.socket.resetAndDestroy());
      return;
    }
    res.writeHead(200, { 'content-length': '10' });
    res.write('12345', () => req.socket.resetAndDestroy());
  });
  const url = await listening(t, server);
  const { result, error } = await runSlice(t, { urls: [url], method: 'GET', paths: ['/v1/articles'], connections: 1, duration: 1, overallRate: 40 });
  t.equal(error, undefined, 'the slice ran');
  t.equal(received, 40, 'every request reached the server');
  t.same(result?.statuses, { 200: 20, 'connection error': 20, timeout: 0 }, 'each request has one outcome');
  t.equal(result?.requests, 20, 'the answered requests, as autocannon counts them');
  t.equal(result?.errors, 20);
  t.ok(
    result?.sendLagP99 !== undefined && result.sendLagP99 >= 0 && result.sendLagP99 < 25,
    `the timer's lag is reported (its size is the machine's, not checked here): p99 ${result?.sendLagP99?.toFixed(2)} ms`,
  );
});

t.test('a slice is dealt to no node that would get no connection, no request or no rate, which autocannon would read as unbounded', async (t) => {
  const urls = ['http://a', 'http://b'];
  t.same(dealSlice({ urls, connections: 10, amount: 300 }), [
    { url: 'http://a', connections: 5, amount: 150 },
    { url: 'http://b', connections: 5, amount: 150 },
  ]);
  t.same(dealSlice({ urls, connections: 1, amount: 300 }), [{ url: 'http://a', connections: 1, amount: 300 }], 'one connection: one node, with every request');
  t.same(dealSlice({ urls, connections: 10, amount: 1 }), [{ url: 'http://a', connections: 10, amount: 1 }], 'one request: one node');
  t.same(dealSlice({ urls, connections: 10, overallRate: 1 }), [{ url: 'http://a', connections: 10, overallRate: 1 }], 'a rate of one a second: one node');
  t.same(dealSlice({ urls, connections: 3, overallRate: 5 }), [
    { url: 'http://a', connections: 2, overallRate: 3 },
    { url: 'http://b', connections: 1, overallRate: 2 },
  ]);
  // Every total over every number of nodes: nothing dealt is below 1, and the shares add up to the totals.
  const sum = (values: Array<number | undefined>) => values.reduce<number>((total, value) => total + (value ?? 0), 0);
  const wrong: string[] = [];
  let slices = 0;
  for (let nodes = 1; nodes <= 4; nodes++) {
    for (let connections = 1; connections <= 6; connections++) {
      for (const amount of [undefined, 1, 2, 3, 7]) {
        for (const overallRate of [undefined, 1, 2, 5]) {
          const slice = { urls: urls.concat('http://c', 'http://d').slice(0, nodes), connections, amount, overallRate };
          const shares = dealSlice(slice);
          slices += 1;
          const parts = shares.flatMap((share) => [share.connections, share.amount ?? 1, share.overallRate ?? 1]);
          if (
            !parts.every((part) => part >= 1) ||
            sum(shares.map((s) => s.connections)) !== connections ||
            sum(shares.map((s) => s.amount)) !== (amount ?? 0) ||
            sum(shares.map((s) => s.overallRate)) !== (overallRate ?? 0)
          )
            wrong.push(`${JSON.stringify(slice)} dealt as ${JSON.stringify(shares)}`);
        }
      }
    }
  }
  t.same(wrong, [], `of ${slices} slices, none dealt a node less than 1 of anything, or lost or added any`);
  for (const refused of [
    { urls, connections: 0 },
    { urls, connections: 10, amount: 0 },
    { urls, connections: 10, overallRate: 0 },
    { urls, connections: 10, overallRate: 2.5 },
    { urls: [], connections: 10 },
  ])
    t.throws(() => dealSlice(refused), RangeError, `refused: ${JSON.stringify(refused)}`);
});
