import t, { type Test } from 'tap';
import { announcePublications } from '../../src/core/changes/publications.js';
import { engineUnder } from '../../src/core/db/handles.js';
import { type App, buildApp } from '../../src/web/app.js';
import { auth, body, build, sharedDatabase, testConfig } from '../helper.js';

// The server's clock for publication, moved by the test: a scheduled time comes without sleeping. The loop's own
// timer runs on real time (test/changes/processes.test.ts); here the test calls what it calls, announceDue.
const start = Date.parse('2026-06-01T12:00:00.000Z');
const at = (seconds: number) => new Date(start + seconds * 1000).toISOString();
let clock = start;

/** An app on its own in-memory database and the test's clock, set back to the start. */
async function appAtStart(t: Test) {
  clock = start;
  return build(t, {}, { clock: () => clock });
}

/** What the server's announcement loop runs at a turn, once, on the app's connections: its reads, then its write. */
function announceDue(app: App): Promise<number> {
  const { reads, writes } = engineUnder(app.services);
  return announcePublications({ reads, write: (body) => writes.run(body) }, () => clock);
}

type Event = { seq: number; resource: string; id: string; action: string; version: number };
const json = { ...auth, 'content-type': 'application/json' };
const mergePatch = { ...auth, 'content-type': 'application/merge-patch+json' };

async function changesAfter(app: App, after: number, headers: Record<string, string> = {}) {
  const response = await app.inject({ url: `/v1/changes?after=${after}&limit=1000`, headers });
  const page = body<{ data: Event[]; meta: { next_after: number } }>(response);
  return { events: page.data.map(({ id, action, version }) => ({ id, action, version })), nextAfter: page.meta.next_after };
}

const lastSeq = async (app: App) => (await changesAfter(app, 0, auth)).nextAfter;

async function createArticle(app: App, slug: string, published_at: string, status = 'published'): Promise<string> {
  const payload = { slug, title: 'عنوان مجدول', language: 'ar', status, published_at, body: [{ type: 'paragraph', text: 'نص' }] };
  const response = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload });
  if (response.statusCode !== 201) throw new Error(`create ${slug}: ${response.statusCode} ${response.body}`);
  return body(response).data.id;
}

async function patchArticle(app: App, id: string, payload: object) {
  const response = await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: mergePatch, payload });
  if (response.statusCode !== 200) throw new Error(`patch ${id}: ${response.statusCode} ${response.body}`);
}

t.test('a scheduled article is published in the feed once, when its time comes; a rescheduled, withdrawn or deleted one not at its old time', async (t) => {
  const app = await appAtStart(t);
  const due = await createArticle(app, 'مقال-يحين', at(20));
  const rescheduled = await createArticle(app, 'مقال-يؤجل', at(30));
  await patchArticle(app, rescheduled, { published_at: at(90) });
  const withdrawn = await createArticle(app, 'مقال-يسحب', at(40));
  await patchArticle(app, withdrawn, { status: 'draft' });
  const deleted = await createArticle(app, 'مقال-يحذف', at(50));
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${deleted}`, headers: auth })).statusCode, 204);
  const backdated = await createArticle(app, 'مقال-سابق', at(-10));

  const written = await lastSeq(app);
  const publicBefore = await changesAfter(app, 0);
  t.notOk(
    publicBefore.events.some((event) => [due, rescheduled, withdrawn, deleted].includes(event.id)),
    'before any time comes, the public sees no event of the scheduled articles',
  );
  t.ok(
    publicBefore.events.some((event) => event.id === backdated && event.action === 'created'),
    'a backdated article is public at its create',
  );
  t.equal(await announceDue(app), 0, 'nothing is due yet');
  t.same((await changesAfter(app, written, auth)).events, [], 'and nothing is appended');

  clock = start + 60_000;
  t.equal(await announceDue(app), 1, 'at +60 s one publication is due');
  const announced = await changesAfter(app, written, auth);
  t.same(announced.events, [{ id: due, action: 'published', version: 1 }], 'the feed gets its published event, at the version it has; none for the others');
  const publicAfter = await changesAfter(app, publicBefore.nextAfter);
  t.same(publicAfter.events, [{ id: due, action: 'published', version: 1 }], 'a public reader resuming where it stopped sees it: the article is public now');
  t.equal(await announceDue(app), 0, 'asked again, nothing is due');
  t.same((await changesAfter(app, announced.nextAfter, auth)).events, [], 'the event is not appended twice');

  clock = start + 100_000;
  t.equal(await announceDue(app), 1, 'at +100 s the rescheduled one is due');
  t.same((await changesAfter(app, announced.nextAfter, auth)).events, [{ id: rescheduled, action: 'published', version: 2 }], 'at its new time, with the version its reschedule wrote');
  clock = start + 1_000_000;
  t.equal(await announceDue(app), 0, 'the withdrawn, deleted and backdated articles never come due');
});

t.test('a write to an article whose time has come before it was announced: published first, at the version it came due at', async (t) => {
  const app = await appAtStart(t);
  const edited = await createArticle(app, 'مقال-يعدل', at(10));
  const removed = await createArticle(app, 'مقال-يزال', at(10));
  const written = await lastSeq(app);
  clock = start + 20_000;
  await patchArticle(app, edited, { title: 'عنوان جديد' });
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/articles/${removed}`, headers: auth })).statusCode, 204);
  t.same(
    (await changesAfter(app, written, auth)).events,
    [
      { id: edited, action: 'published', version: 1 },
      { id: edited, action: 'updated', version: 2 },
      { id: removed, action: 'published', version: 1 },
      { id: removed, action: 'trashed', version: 1 },
    ],
    'each publication before the write that followed it',
  );
  t.equal(await announceDue(app), 0, 'and nothing is left to announce');
});

t.test('two servers on one database: one announcement between them; a server that was down announces at start', async (t) => {
  const databaseUrl = await sharedDatabase(t);
  clock = start;
  const first = await buildApp(testConfig({ databaseUrl }), { clock: () => clock });
  const second = await buildApp(testConfig({ databaseUrl }), { clock: () => clock });
  const together = await createArticle(first, 'مقال-معا', at(10));
  const whileDown = await createArticle(second, 'مقال-متوقف', at(30));
  const written = await lastSeq(first);

  clock = start + 20_000;
  t.same([await announceDue(first), await announceDue(second)], [1, 0], 'the first takes the due publication, the second finds it taken');
  t.same((await changesAfter(second, written, auth)).events, [{ id: together, action: 'published', version: 1 }], 'one event');
  const announced = await lastSeq(first);
  await first.close();
  await second.close();

  const restarted = await buildApp(testConfig({ databaseUrl }), { clock: () => start + 60_000 });
  t.teardown(() => restarted.close());
  t.same((await changesAfter(restarted, announced, auth)).events, [{ id: whileDown, action: 'published', version: 1 }], 'started after the time, before any request: announced');
});
