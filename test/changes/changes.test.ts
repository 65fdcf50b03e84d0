import t, { type Test } from 'tap';
import type { Config } from '../../src/core/config.js';
import type { App } from '../../src/web/app.js';
import { auth, body, build } from '../helper.js';
import { changesOf, sseReader } from './sse.js';

const json = { ...auth, 'content-type': 'application/json' };
const streamLimits: Config['changeStream'] = { heartbeatMs: 15_000, pollMs: 20, maxStreams: 100, maxStreamsPerClient: 10 };

type Event = { seq: number; resource: string; id: string; action: string; version: number; at: string };

/** Every event, read by following links.next from the start. */
async function allChanges(app: App, limit = 3, headers: Record<string, string> = {}): Promise<Event[]> {
  const events: Event[] = [];
  let url: string | null = `/v1/changes?limit=${limit}`;
  while (url) {
    const page: { data: Event[]; links: { next: string | null } } = body(await app.inject({ url, headers }));
    events.push(...page.data);
    url = page.links.next;
  }
  return events;
}

/** An app listening on a free port, for the stream (inject waits for a body's end). */
async function listening(t: Test, changeStream: Partial<Config['changeStream']> = {}, timeouts?: Config['timeouts']) {
  const app = await build(t, { changeStream: { ...streamLimits, ...changeStream }, ...(timeouts ? { timeouts } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}` };
}

const seededCount = async (app: App) => {
  let count = 0;
  for (const path of ['articles', 'people', 'organisations', 'meetings']) count += body(await app.inject(`/v1/${path}?limit=1`)).meta.total;
  return count;
};

t.test('every write appends one event, in order, with its action and version; a failed write none', async (t) => {
  const app = await build(t);
  const seeded = await allChanges(app);
  t.equal(seeded.length, await seededCount(app), 'the seed wrote one event per seeded record');
  t.ok(
    seeded.every((event, i) => event.seq === i + 1 && event.action === 'created' && event.version === 1),
    'created, version 1, numbered from 1',
  );
  const org = body(await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-التغيير', name: 'لجنة', kind: 'committee' } })).data;
  const taken = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-التغيير', name: 'أخرى', kind: 'committee' } });
  t.equal(taken.statusCode, 409, 'a write that fails');
  t.equal((await app.inject({ method: 'PATCH', url: `/v1/organisations/${org.id}`, headers: json, payload: { name: 'لجنة ٢' } })).statusCode, 200);
  t.equal((await app.inject({ method: 'POST', url: `/v1/organisations/${org.id}/revisions/1/restore`, headers: auth })).statusCode, 200);
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/organisations/${org.id}`, headers: auth })).statusCode, 204);
  t.equal((await app.inject({ method: 'POST', url: `/v1/organisations/${org.id}/revisions/2/restore`, headers: auth })).statusCode, 200);

  const events = (await allChanges(app)).slice(seeded.length);
  t.same(
    events.map(({ seq, resource, id, action, version }) => ({ seq, resource, id, action, version })),
    [
      { seq: seeded.length + 1, resource: 'organisations', id: org.id, action: 'created', version: 1 },
      { seq: seeded.length + 2, resource: 'organisations', id: org.id, action: 'updated', version: 2 },
      { seq: seeded.length + 3, resource: 'organisations', id: org.id, action: 'restored', version: 3 },
      { seq: seeded.length + 4, resource: 'organisations', id: org.id, action: 'trashed', version: 3 },
      // Its fifth revision: back at a version past every one it had.
      { seq: seeded.length + 5, resource: 'organisations', id: org.id, action: 'restored', version: 5 },
    ],
    'create, update, restore, delete (trashed, at the version it had), restore of the deleted record (at its revision’s number); nothing for the 409',
  );
  t.ok(
    events.every((event) => Math.abs(Date.parse(event.at) - Date.now()) < 60_000),
    'each at the time of its write',
  );
});

t.test("an article's status changes are published and unpublished; a create is created, whatever its status", async (t) => {
  const app = await build(t);
  const before = (await allChanges(app, 1000, auth)).length;
  const article = (slug: string, status: string) => ({ slug, title: 'عنوان', language: 'ar', status, body: [{ type: 'paragraph', text: 'نص' }] });
  const create = async (slug: string, status: string) => {
    const response = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article(slug, status) });
    t.equal(response.statusCode, 201, `create ${slug} as ${status}`);
    return body(response).data.id as string;
  };
  const patch = async (id: string, payload: object) => {
    const response = await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...json, 'content-type': 'application/merge-patch+json' }, payload });
    t.equal(response.statusCode, 200, `patch ${JSON.stringify(payload)}`);
  };
  const draft = await create('مسودة-الحالة', 'draft');
  await patch(draft, { title: 'عنوان ٢' });
  await patch(draft, { status: 'published' });
  await patch(draft, { title: 'عنوان ٣' });
  await patch(draft, { status: 'archived' });
  await patch(draft, { status: 'draft' });
  await patch(draft, { status: 'published' });
  await patch(draft, { status: 'draft' });
  const published = await create('منشور-الحالة', 'published');
  await patch(published, { status: 'published', title: 'عنوان ٤' });
  await patch(published, { status: 'archived' });

  const events = (await allChanges(app, 1000, auth)).slice(before);
  t.same(
    events.map(({ id, action, version }) => ({ id, action, version })),
    [
      { id: draft, action: 'created', version: 1 },
      { id: draft, action: 'updated', version: 2 },
      { id: draft, action: 'published', version: 3 },
      { id: draft, action: 'updated', version: 4 },
      { id: draft, action: 'unpublished', version: 5 },
      { id: draft, action: 'updated', version: 6 },
      { id: draft, action: 'published', version: 7 },
      { id: draft, action: 'unpublished', version: 8 },
      { id: published, action: 'created', version: 1 },
      { id: published, action: 'updated', version: 2 },
      { id: published, action: 'unpublished', version: 3 },
    ],
    'draft → published and archived → draft → published are published, published → archived or draft unpublished, archived → draft and edits updated',
  );
});

t.test("without a token, the events of public records only: a draft's appear once it is published; paging passes the hidden ones", async (t) => {
  const { app, url } = await listening(t);
  const seeded = (await allChanges(app, 1000)).length;
  t.equal((await allChanges(app, 1000, auth)).length, seeded, 'the seed is public: both readers see all its events');
  const patchArticle = (id: string, payload: object) => app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...json, 'content-type': 'application/merge-patch+json' }, payload });
  const article = (slug: string, extra: object) => ({ slug, title: 'عنوان', language: 'ar', body: [{ type: 'paragraph', text: 'نص' }], ...extra });
  const draft = body(await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article('مسودة-الخلاصة', { status: 'draft' }) })).data;
  t.equal((await patchArticle(draft.id, { title: 'عنوان ٢' })).statusCode, 200);
  const org = body(await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-الخلاصة', name: 'لجنة', kind: 'committee' } })).data;
  t.equal((await patchArticle(draft.id, { title: 'عنوان ٣' })).statusCode, 200);
  const page = async (query: string, headers: Record<string, string> = {}) => {
    const response = await app.inject({ url: `/v1/changes?${query}`, headers });
    t.equal(response.statusCode, 200, query);
    const { data, meta, links } = body(response);
    return { seqs: data.map((event: Event) => [event.seq, event.action, event.id]), next_after: meta.next_after, next: links.next };
  };
  const [s1, s2, s3, s4, s5] = [1, 2, 3, 4, 5].map((n) => seeded + n);
  t.same(await page(`after=${seeded}`), { seqs: [[s3, 'created', org.id]], next_after: s4, next: null }, 'no token: the organisation only, and next_after past the hidden edit');
  t.same(await page(`after=${s3}`), { seqs: [], next_after: s4, next: null }, 'a page of hidden events only is empty and moves on past them');
  t.same(await page(`after=${seeded}&limit=1`, auth), { seqs: [[s1, 'created', draft.id]], next_after: s1, next: `/v1/changes?after=${s1}&limit=1` }, "a token: the draft's created event first");
  t.same(
    (await page(`after=${seeded}`, auth)).seqs,
    [
      [s1, 'created', draft.id],
      [s2, 'updated', draft.id],
      [s3, 'created', org.id],
      [s4, 'updated', draft.id],
    ],
    'a token: every event',
  );

  const publicStream = sseReader((await fetch(`${url}/v1/changes/stream?after=${s4}`)).body!);
  const tokenStream = sseReader((await fetch(`${url}/v1/changes/stream?after=${s4}`, { headers: auth })).body!);
  t.teardown(() => Promise.all([publicStream.cancel(), tokenStream.cancel()]));
  const scheduled = body(
    await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: article('مجدولة-الخلاصة', { status: 'published', published_at: '2999-01-01T00:00:00.000Z' }) }),
  ).data;
  t.equal((await patchArticle(draft.id, { status: 'published' })).statusCode, 200);
  const streamed = async (stream: ReturnType<typeof sseReader>) =>
    changesOf(await stream.until((events) => changesOf(events).some((event) => event.change.seq === s6))).map((event) => [event.change.seq, event.event, event.change.id]);
  const s6 = seeded + 6;
  t.same(await streamed(publicStream), [[s6, 'published', draft.id]], 'the public stream: the publication, not the scheduled article');
  t.same(
    await streamed(tokenStream),
    [
      [s5, 'created', scheduled.id],
      [s6, 'published', draft.id],
    ],
    "the token's stream: both",
  );
  t.same(
    (await page(`after=${seeded}`)).seqs,
    [
      [s1, 'created', draft.id],
      [s2, 'updated', draft.id],
      [s3, 'created', org.id],
      [s4, 'updated', draft.id],
      [s6, 'published', draft.id],
    ],
    "no token, once published: the article's events, all of them, in seq order; the scheduled one's still not",
  );
});

t.test('pages: limit, after, next and Link; bad input is a 400 problem', async (t) => {
  const app = await build(t);
  const total = await seededCount(app);
  const first = await app.inject('/v1/changes?limit=2');
  t.equal(first.statusCode, 200);
  const page = body(first);
  t.same(
    page.data.map((event: Event) => event.seq),
    [1, 2],
  );
  t.same(page.meta, { limit: 2, after: 0, next_after: 2 });
  t.equal(page.links.next, '/v1/changes?limit=2&after=2');
  t.equal(first.headers.link, '</v1/changes?limit=2&after=2>; rel="next"');
  const last = body(await app.inject(`/v1/changes?after=${total - 1}`));
  t.same(
    last.data.map((event: Event) => event.seq),
    [total],
  );
  t.equal(last.links.next, null, 'no next at the newest event');
  t.equal(last.meta.next_after, total, 'but where to poll from');
  const beyond = body(await app.inject(`/v1/changes?after=${total + 5}`));
  t.same([beyond.data, beyond.meta.next_after], [[], total + 5], 'after the newest: empty, and the same after');
  t.same(
    (await allChanges(app, 1000)).map((event) => event.seq),
    Array.from({ length: total }, (_, i) => i + 1),
  );

  // A seq is decimal digits: not a number JavaScript would read (hexadecimal, an exponent, spaces, nothing at all).
  const notDecimal = ['0x10', '1e3', '%201', '1%20', '', '+1', '0b1', '1_000', '١٢'];
  for (const query of [
    ...notDecimal.map((seq) => `after=${seq}`),
    'after=x',
    'after=-1',
    'after=1.5',
    'after=99999999999999999999',
    'limit=0',
    'limit=1001',
    'limit=x',
    'since=1',
    'after=1&after=2',
  ]) {
    const response = await app.inject(`/v1/changes?${query}`);
    t.equal(response.statusCode, 400, query);
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8', `${query}: a problem`);
  }
  t.same(body(await app.inject('/v1/changes?after=0001&limit=1')).data[0]?.seq, 2, 'leading zeros are still decimal');
  // A Last-Event-ID that is no seq is refused rather than ignored: ignoring it would restart the stream at the next change and lose the events between.
  for (const id of ['yesterday', '0x10', '1e3', ' 7', '']) {
    const badHeader = await app.inject({ url: '/v1/changes/stream', headers: { 'last-event-id': id } });
    t.equal(badHeader.statusCode, 400, `a Last-Event-ID that is no seq: ${JSON.stringify(id)}`);
    t.equal(body(badHeader).code, 'validation_failed');
  }
});

t.test('the stream: events as SSE, resumed from Last-Event-ID or after, live writes, heartbeats', async (t) => {
  const { app, url } = await listening(t, { heartbeatMs: 100 }, { requestMs: 1000, headersMs: 1000, keepAliveMs: 500 });
  const total = await seededCount(app);
  const resumed = await fetch(`${url}/v1/changes/stream?after=1`, { headers: { 'last-event-id': String(total - 2) } });
  t.equal(resumed.status, 200);
  t.equal(resumed.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  t.equal(resumed.headers.get('cache-control'), 'no-store');
  const stream = sseReader(resumed.body!);
  t.teardown(() => stream.cancel());
  const replayed = changesOf(await stream.until((events) => changesOf(events).length === 2));
  t.same(
    replayed.map((event) => [event.id, event.event, event.change.seq]),
    [
      [String(total - 1), 'created', total - 1],
      [String(total), 'created', total],
    ],
    'Last-Event-ID wins over after: the events after it, id the seq, event the action',
  );
  t.same(replayed[1]!.change, body(await app.inject(`/v1/changes?after=${total - 1}`)).data[0], 'data is the event as the list has it');

  const fromAfter = sseReader((await fetch(`${url}/v1/changes/stream?after=${total - 1}`)).body!);
  t.teardown(() => fromAfter.cancel());
  const tail = sseReader((await fetch(`${url}/v1/changes/stream`)).body!);
  t.teardown(() => tail.cancel());
  await tail.until((events) => events.length > 0);

  const org = body(await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-البث', name: 'لجنة', kind: 'committee' } })).data;
  const live = (events: Parameters<typeof changesOf>[0]) => changesOf(events).some((event) => event.change.id === org.id);
  await stream.until(live);
  await fromAfter.until(live);
  await tail.until(live);
  t.same(
    changesOf(fromAfter.events).map((event) => event.change.seq),
    [total, total + 1],
    '?after= resumes after it, then the live write',
  );
  t.same(
    changesOf(tail.events).map((event) => [event.change.seq, event.event, event.change.id]),
    [[total + 1, 'created', org.id]],
    'without a place to resume, the stream starts at the next change',
  );
  const afterLive = stream.events.length;
  await stream.until((events) => events.slice(afterLive).filter((event) => event.comment === 'heartbeat').length >= 2);
  t.pass('an idle stream sends heartbeat comments');

  // Past the request timeout, which bounds receiving a request, not how long a response may last.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const later = body(await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-لاحقة', name: 'لجنة', kind: 'committee' } })).data;
  const laterEvents = changesOf(await stream.until((events) => changesOf(events).some((event) => event.change.id === later.id)));
  t.equal(laterEvents.at(-1)!.change.id, later.id, 'the stream outlives REQUEST_TIMEOUT_MS');
});

t.test('the stream is not compressed or cached, and events arrive as they are written', async (t) => {
  const { app, url } = await listening(t, { heartbeatMs: 60_000 });
  const response = await fetch(`${url}/v1/changes/stream?after=0`, { headers: { 'accept-encoding': 'gzip, br' } });
  t.equal(response.headers.get('content-encoding'), null, 'no coding, which would buffer the events');
  const stream = sseReader(response.body!);
  t.teardown(() => stream.cancel());
  const total = await seededCount(app);
  const events = changesOf(await stream.until((events) => changesOf(events).length === total, 5000));
  t.equal(events.length, total, 'every event, before the response ends');
  t.notOk(stream.ended);
  const second = sseReader((await fetch(`${url}/v1/changes/stream?after=0`)).body!);
  t.teardown(() => second.cancel());
  await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'لجنة-ثانية', name: 'لجنة', kind: 'committee' } });
  t.equal(changesOf(await second.until((events) => changesOf(events).length === total + 1)).length, total + 1, 'a second stream of the same URL reads the table again');
});

t.test('streams are bounded per client (429) and in all (503)', async (t) => {
  const { url } = await listening(t, { maxStreamsPerClient: 2, maxStreams: 3 });
  const open = async (headers: Record<string, string> = {}) => fetch(`${url}/v1/changes/stream`, { headers });
  const first = await open();
  const second = await open();
  const third = await open();
  t.same([first.status, second.status, third.status], [200, 200, 429], 'the third stream of one client');
  t.equal(third.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  t.equal(((await third.json()) as { code: string }).code, 'too_many_requests');
  t.equal(third.headers.get('retry-after'), '5', 'when to try again');
  t.equal(first.headers.get('retry-after'), null, 'an accepted stream has no Retry-After');
  await first.body!.cancel();
  // The server learns of the closed connection shortly after.
  let again = await open();
  for (let i = 0; again.status !== 200 && i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    again = await open();
  }
  t.equal(again.status, 200, 'a closed stream frees its place');
  await second.body!.cancel();
  await again.body!.cancel();

  const small = await listening(t, { maxStreamsPerClient: 10, maxStreams: 2 });
  const streams = [await fetch(`${small.url}/v1/changes/stream`), await fetch(`${small.url}/v1/changes/stream`), await fetch(`${small.url}/v1/changes/stream`)];
  t.same(
    streams.map((response) => response.status),
    [200, 200, 503],
    'the third stream of the server',
  );
  t.equal(((await streams[2]!.json()) as { code: string }).code, 'overloaded');
  t.equal(streams[2]!.headers.get('retry-after'), '5', 'when to try again');
  for (const response of streams.slice(0, 2)) await response.body!.cancel();
});

t.test('a stream open at shutdown ends, and the server closes', async (t) => {
  const { app, url } = await listening(t);
  const stream = sseReader((await fetch(`${url}/v1/changes/stream?after=0`)).body!);
  await stream.until((events) => events.length > 1);
  const started = Date.now();
  await app.close();
  t.ok(Date.now() - started < 2000, `closed in ${Date.now() - started} ms`);
  await stream.until(() => false, 2000);
  t.ok(stream.ended, 'the client sees the response end');
});
