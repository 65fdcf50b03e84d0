import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startServer, processToken as token } from '../server-process.js';
import { changesOf, sseReader } from './sse.js';

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

function databaseIn(t: Test) {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-changes-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return `file:${join(dir, 'khabar.db')}`;
}

t.test('writers in two processes: the feed pages without gaps, and a stream on either process sees every event', async (t) => {
  const server = await startServer({ DATABASE_URL: databaseIn(t), WORKERS: '2', RATE_LIMIT_WRITE_MAX: '0', RATE_LIMIT_MAX: '0', CHANGES_POLL_MS: '20' });
  t.teardown(() => server.child.kill('SIGKILL'));
  // Two streams from the start, on whichever workers the connections reach.
  const streams = await Promise.all([0, 1].map(async () => sseReader((await fetch(`${server.url}/v1/changes/stream?after=0`)).body!)));
  t.teardown(() => Promise.all(streams.map((stream) => stream.cancel())));
  const writes = 60;
  const created = await Promise.all(
    Array.from({ length: writes }, async (_, i) => {
      const response = await fetch(`${server.url}/v1/organisations`, { method: 'POST', headers, body: JSON.stringify({ slug: `لجنة-${i}`, name: `لجنة ${i}`, kind: 'committee' }) });
      t.equal(response.status, 201, 'a write succeeds');
      return ((await response.json()) as { data: { id: string } }).data.id;
    }),
  );
  const events: Array<{ seq: number; id: string; action: string }> = [];
  let url: string | null = '/v1/changes?limit=7';
  while (url) {
    const page = (await (await fetch(`${server.url}${url}`)).json()) as { data: typeof events; links: { next: string | null } };
    events.push(...page.data);
    url = page.links.next;
  }
  t.same(
    events.map((event) => event.seq),
    Array.from({ length: events.length }, (_, i) => i + 1),
    'seq runs from 1 without gaps or repeats',
  );
  const writtenIds = events.filter((event) => created.includes(event.id));
  t.equal(writtenIds.length, writes, 'one event per write');
  t.equal(new Set(writtenIds.map((event) => event.id)).size, writes, 'for each of the writes');
  for (const stream of streams) {
    const received = changesOf(await stream.until((all) => changesOf(all).length === events.length));
    t.same(
      received.map((event) => Number(event.id)),
      events.map((event) => event.seq),
      'the stream has every event of both processes, in seq order',
    );
  }
});

t.test('SIGTERM with a stream open: the stream ends and the process exits within its shutdown budget', async (t) => {
  const server = await startServer({ DATABASE_URL: databaseIn(t), SHUTDOWN_TIMEOUT_MS: '10000' });
  t.teardown(() => server.child.kill('SIGKILL'));
  const stream = sseReader((await fetch(`${server.url}/v1/changes/stream?after=0`)).body!);
  await stream.until((events) => changesOf(events).length > 0);
  const started = Date.now();
  server.child.kill('SIGTERM');
  const code = await server.exited;
  t.equal(code, 0, 'a clean exit');
  t.ok(Date.now() - started < 5000, `in ${Date.now() - started} ms, well inside the 10 s budget`);
  await stream.until(() => false, 2000);
  t.ok(stream.ended, 'the client saw the response end');
});
