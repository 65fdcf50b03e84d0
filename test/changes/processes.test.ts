import t from 'tap';
import { sharedDatabase } from '../helper.js';
import { startServer, processToken as token } from '../server-process.js';
import { changesOf, sseReader } from './sse.js';

const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

t.test('writers in two processes: the feed pages without gaps, and a stream on either process sees every event', async (t) => {
  const server = await startServer({ DATABASE_URL: await sharedDatabase(t), WORKERS: '2', RATE_LIMIT_WRITE_MAX: '0', RATE_LIMIT_MAX: '0', CHANGES_POLL_MS: '20' });
  t.teardown(() => server.stop());
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
  const server = await startServer({ DATABASE_URL: await sharedDatabase(t), SHUTDOWN_TIMEOUT_MS: '10000' });
  t.teardown(() => server.stop());
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

t.test('scheduled articles, on real time with two workers: published once each when due, and at start for one due while no server ran', async (t) => {
  const env = { DATABASE_URL: await sharedDatabase(t), WORKERS: '2', RATE_LIMIT_WRITE_MAX: '0', RATE_LIMIT_MAX: '0', CHANGES_POLL_MS: '20' };
  const sleepUntil = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));
  const create = async (url: string, slug: string, dueAt: number) => {
    const payload = { slug, title: 'عنوان مجدول', language: 'ar', status: 'published', published_at: new Date(dueAt).toISOString(), body: [{ type: 'paragraph', text: 'نص' }] };
    const response = await fetch(`${url}/v1/articles`, { method: 'POST', headers, body: JSON.stringify(payload) });
    t.equal(response.status, 201, `${slug} scheduled`);
    return ((await response.json()) as { data: { id: string } }).data.id;
  };
  const first = await startServer(env);
  t.teardown(() => first.stop());
  // Far enough ahead that the write lands before it on a busy machine: an article written after its time is not scheduled at all.
  const downDue = Date.now() + 2500;
  // Both workers of the second server find these at start: they race for them at their time, or at start if that is later.
  const racingDue = Date.now() + 8000;
  const whileDown = await create(first.url, 'مجدول-متوقف', downDue);
  const writtenInTime = Date.now() < downDue;
  const racing = await Promise.all([1, 2, 3].map((n) => create(first.url, `مجدول-${n}`, racingDue)));
  first.child.kill('SIGTERM');
  t.equal(await first.exited, 0, 'the first server stopped before the first time came');
  await sleepUntil(downDue + 200);

  const second = await startServer(env);
  const up = Date.now();
  t.teardown(() => second.stop());
  type Event = { seq: number; id: string; action: string; version: number; at: string };
  const feed = async (auth = true) => ((await (await fetch(`${second.url}/v1/changes?limit=1000`, { headers: auth ? headers : {} })).json()) as { data: Event[] }).data;
  const published = (events: Event[], id: string) => events.filter((event) => event.id === id && event.action === 'published');
  const [announcedAtStart] = published(await feed(), whileDown);
  const tooSlow = 'the machine was too slow to write it before its time';
  t.ok(announcedAtStart, 'due while no server ran: published when one starts, before any write', writtenInTime ? { log: second.log() } : { skip: tooSlow });
  const freshDue = Date.now() + 3000;
  const fresh = await create(second.url, 'مجدول-جديد', freshDue);
  t.same(published(await feed(false), fresh), [], 'before its time the public feed has no event of a scheduled article');
  const publicStream = sseReader((await fetch(`${second.url}/v1/changes/stream?after=${announcedAtStart!.seq}`)).body!);
  t.teardown(() => publicStream.cancel());
  const received = changesOf(await publicStream.until((events) => changesOf(events).filter((event) => event.event === 'published').length >= 4, 20_000));
  t.same(
    new Set(received.filter((event) => event.event === 'published').map((event) => event.change.id)),
    new Set([...racing, fresh]),
    "a public stream receives each one's published event, with no write",
  );
  await sleepUntil(Math.max(freshDue, racingDue) + 2000);
  const events = await feed();
  for (const [id, due] of [...racing.map((id) => [id, racingDue] as const), [fresh, freshDue] as const]) {
    const [event, ...again] = published(events, id);
    t.same(again, [], 'once, not once per worker');
    const late = Date.parse(event!.at) - Math.max(due, id === fresh ? 0 : up);
    t.ok(Date.parse(event!.at) >= due && late < 1500, `announced ${late} ms after its time (or the server's start, if later)`);
    t.equal(event!.version, 1, 'at the version it came due at');
  }
  t.same(
    events.map((event) => event.seq),
    Array.from({ length: events.length }, (_, i) => i + 1),
    'seq still runs without gaps',
  );
});
