import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Sqlite from 'better-sqlite3';
import t, { type Test } from 'tap';
import { processToken, type ServerProcess, startServer } from '../server-process.js';

// CRASH_CYCLES=20 for a long run; each cycle starts the server, writes to it, and SIGKILLs it mid-load.
const cycles = Number(process.env.CRASH_CYCLES ?? 2);
const writers = 6;
/** Writes each cycle must see acknowledged before the kill (then a random moment more). */
const minimumAcknowledged = 30;
const acknowledgedWithinMs = 20_000;
/** Scheduled articles fall due within this of their create: some before the kill, some while the server is down, some after the restart. */
const scheduleWithinMs = 3000;
t.setTimeout(Math.max(120_000, cycles * 30_000));

const headers = { authorization: `Bearer ${processToken}`, 'content-type': 'application/json' };

/** A write the server acknowledged: the record's key and version as its answer gave them. */
interface Acknowledged {
  resource: string;
  id: string;
  version: number;
}

/**
 * Creates organisations and renames them, and creates articles scheduled a few seconds ahead, until the server
 * dies under it. Returns the writes acknowledged before the kill.
 */
async function load(t: Test, server: ServerProcess, cycle: number): Promise<Acknowledged[]> {
  const acknowledged: Acknowledged[] = [];
  const unexpected: string[] = [];
  let killed = false;
  const send = async (resource: string, path: string, method: string, input: object, expected: number) => {
    try {
      const response = await fetch(`${server.url}${path}`, { method, headers, body: JSON.stringify(input) });
      if (response.status !== expected) {
        unexpected.push(`${method} ${path} answered ${response.status}`);
        return null;
      }
      const { id, version } = ((await response.json()) as { data: { id: string; version: number } }).data;
      acknowledged.push({ resource, id, version });
      return id;
    } catch (error) {
      if (!killed) unexpected.push(`${method} failed before the kill: ${(error as Error).message}`);
      return null;
    }
  };
  const writer = async (w: number) => {
    for (let i = 0; ; i++) {
      const slug = `سجل-${cycle}-${w}-${i}`;
      if (i % 3 === 2) {
        const published_at = new Date(Date.now() + Math.floor(Math.random() * scheduleWithinMs)).toISOString();
        const article = { slug, title: 'مجدول', language: 'ar', status: 'published', published_at, body: [{ type: 'paragraph', text: 'نص' }] };
        if ((await send('articles', '/v1/articles', 'POST', article, 201)) === null) return;
        continue;
      }
      const id = await send('organisations', '/v1/organisations', 'POST', { slug, name: `سجل ${i}`, kind: 'committee' }, 201);
      if (id === null || (await send('organisations', `/v1/organisations/${id}`, 'PATCH', { name: `سجل ${i} معدل` }, 200)) === null) return;
    }
  };
  const running = Array.from({ length: writers }, (_, w) => writer(w));
  const started = performance.now();
  while (acknowledged.length < minimumAcknowledged && unexpected.length === 0 && performance.now() - started < acknowledgedWithinMs) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 800)));
  killed = true;
  server.child.kill('SIGKILL');
  await Promise.all(running);
  await server.exited;
  t.same(unexpected, [], `cycle ${cycle}: every answer before the kill was the write's success`);
  t.ok(acknowledged.length >= minimumAcknowledged, `cycle ${cycle}: ${acknowledged.length} writes acknowledged before the kill`);
  return acknowledged;
}

const keyOf = (resource: string, id: string, version: number) => `${resource} ${id} v${version}`;

/**
 * What the file holds, read with SQL of the test's own: every event's key, each stored revision's key (the version
 * read from its snapshot, deflated JSON), and the scheduled articles (published_at after their create) with their due time.
 */
function readFile(file: string) {
  const db = new Sqlite(file, { readonly: true });
  try {
    const events = db.prepare('select seq, resource, record_id as id, action, version from changes order by seq').all() as Array<{
      seq: number;
      resource: string;
      id: string;
      action: string;
      version: number;
    }>;
    // A record's newest revision keeps only its relation lists (relations_only): its version is the row's.
    const rowVersion = (resource: string, id: string) => (db.prepare(`select version from ${resource} where id = ?`).get(id) as { version: number } | undefined)?.version;
    const revisions = (
      db.prepare('select resource, record_id as id, snapshot, relations_only from revisions').all() as Array<{ resource: string; id: string; snapshot: Buffer | string; relations_only: number }>
    ).map(({ resource, id, snapshot, relations_only }) => {
      const version = relations_only ? rowVersion(resource, id) : (JSON.parse(typeof snapshot === 'string' ? snapshot : inflateRawSync(snapshot).toString()) as { version: number }).version;
      return keyOf(resource, id, version ?? Number.NaN);
    });
    // `announced`: its create's event came before its time, so its publication must be announced. An article whose
    // time fell inside its create's transaction (after created_at, by the event's `at`) may have been judged public
    // already by the publications' listener, and then has no announcement to make.
    const scheduled = db
      .prepare(
        `select a.id, a.published_at, a.published_at > c.at as announced from articles a join changes c on c.resource = 'articles' and c.record_id = a.id and c.action = 'created'
         where a.status = 'published' and a.published_at > a.created_at`,
      )
      .all() as Array<{ id: string; published_at: string; announced: number }>;
    return { events, revisions, scheduled };
  } finally {
    db.close();
  }
}

const count = (keys: string[]) => keys.reduce((counts, key) => counts.set(key, (counts.get(key) ?? 0) + 1), new Map<string, number>());

/**
 * The change feed against the records: seq gapless; every event is of a stored revision (no event without its
 * change); every revision has its event (no change without its event); a scheduled article's publication has at
 * most one event besides its create's, and exactly one once `announcedBy` (a moment the file says a server was
 * running after) has passed its time.
 */
function checkFeed(t: Test, what: string, file: string, acknowledged: Acknowledged[], announcedBy: number | null) {
  const { events, revisions, scheduled } = readFile(file);
  t.same(
    events.map((event) => event.seq),
    Array.from({ length: events.length }, (_, i) => i + 1),
    `${what}: seq runs from 1 without gaps`,
  );
  const revisionCounts = count(revisions);
  const eventCounts = count(events.map((event) => keyOf(event.resource, event.id, event.version)));
  const orphans = [...eventCounts.keys()].filter((key) => !revisionCounts.has(key));
  t.same(orphans, [], `${what}: every event is of a stored revision`);
  const announcements = new Map(scheduled.map(({ id, published_at, announced }) => [keyOf('articles', id, 1), { due: Date.parse(published_at), required: announced === 1 }]));
  const mismatched = [...revisionCounts].flatMap(([key, stored]) => {
    const extra = (eventCounts.get(key) ?? 0) - stored;
    const scheduledAt = announcements.get(key);
    if (scheduledAt === undefined) return extra === 0 ? [] : [`${key}: ${extra} events more than revisions`];
    const { due, required } = scheduledAt;
    const announced = events.filter((event) => keyOf(event.resource, event.id, event.version) === key && event.action === 'published').length;
    if (extra !== announced) return [`${key}: ${extra} extra events, ${announced} of them published`];
    if (announced > 1) return [`${key}: published ${announced} times`];
    if (announcedBy !== null && required && due <= announcedBy && announced === 0) return [`${key}: due at ${new Date(due).toISOString()}, not published`];
    return [];
  });
  t.same(mismatched, [], `${what}: one event per revision, and at most one announced publication per scheduled article`);
  const lost = acknowledged.filter(({ resource, id, version }) => !revisionCounts.has(keyOf(resource, id, version)) || !eventCounts.has(keyOf(resource, id, version)));
  t.same(lost, [], `${what}: each of the ${acknowledged.length} acknowledged writes has its revision and its event`);
  const published = events.filter((event) => event.action === 'published').length;
  t.comment(`${what}: ${events.length} events, ${revisions.length} revisions, ${scheduled.length} scheduled articles, ${published} of them published`);
  return scheduled.map(({ published_at }) => Date.parse(published_at));
}

t.test(`SIGKILL under writes, ${cycles} times: the change feed keeps every committed change's event and no other`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-feed-crash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'khabar.db');
  const env = { DATABASE_URL: `file:${file}`, RATE_LIMIT_WRITE_MAX: '0', RATE_LIMIT_MAX: '0', OVERLOAD_EVENT_LOOP_DELAY_MS: '0' };
  const acknowledged: Acknowledged[] = [];
  let server = await startServer(env);
  t.teardown(() => server.stop());
  for (let cycle = 1; cycle <= cycles; cycle++) {
    acknowledged.push(...(await load(t, server, cycle)));
    checkFeed(t, `cycle ${cycle}, after the kill`, file, acknowledged, null);
    // What was due before the restart began is announced before the server listens.
    const restartedAt = Date.now();
    server = await startServer(env);
    const dueTimes = checkFeed(t, `cycle ${cycle}, restarted`, file, acknowledged, restartedAt);
    // The last of them comes due while the restarted server runs: its timer announces it.
    const lastDue = Math.max(...dueTimes);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastDue - Date.now()) + 1500));
    checkFeed(t, `cycle ${cycle}, after the last scheduled time`, file, acknowledged, lastDue);
  }
  server.child.kill('SIGTERM');
  t.equal(await server.exited, 0);
});

// The webhooks' half (every committed matching event has its one delivery, and a restart sends them all) is in
// test/webhooks/processes.test.ts.
