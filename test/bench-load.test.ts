import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import type { Slice, SliceResult } from '../bench/load.js';

// Outside coverage, as the bench's smoke run: the load generator runs from the sources through tsx.
const notCovered = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };

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
  const urls = await Promise.all(servers.map((server) => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)))));
  t.teardown(() => {
    for (const server of servers) server.close();
  });
  const loader = fork(new URL('../bench/load.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], env: notCovered, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  t.teardown(() => loader.kill());
  const slice: Slice = { urls, method: 'GET', paths: ['/v1/articles'], connections: 10, amount: 300 };
  const answer = new Promise<{ result?: SliceResult; error?: string }>((resolve) => loader.once('message', resolve));
  loader.send(slice);
  const { result, error } = await answer;
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
