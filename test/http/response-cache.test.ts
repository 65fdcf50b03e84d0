import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { sqliteLoading } from '../../src/core/seed/sqlite-loading.js';
import { loadSyntheticData } from '../../src/core/seed/synthetic.js';
import { auth, body, build, readsChangeStamp, recordStatements, sharedDatabase, sqliteOnly } from '../helper.js';
import { startServer, processToken as token } from '../server-process.js';

// Pages kept across writes follow the change feed on SQLite only (changes.readsEveryCommit).
const keptOnSqlite = sqliteOnly('kept pages follow the change feed on SQLite only');

// Each case starts real server processes: more than tap's default 30 s per file on a busy 2-core machine.
t.setTimeout(180_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request on a connection of its own (so a cluster's primary hands each to either worker), the body as sent, undecoded. */
function send(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = <T>(answer: Answer): T => JSON.parse(answer.body.toString('utf8')) as T;

/** Adds articles beside the seed's one, so that lists have pages. */
async function addArticles(base: string, count: number) {
  for (let n = 0; n < count; n++) {
    const article = {
      slug: `تقرير-${n}`,
      title: `تقرير ${n}`,
      language: 'ar',
      summary: null,
      body: [{ type: 'paragraph', text: `فقرة ${n}.` }],
      source: null,
      published_at: '2026-11-25T09:00:00.000Z',
      person_ids: [],
      organisation_ids: [],
      meeting_ids: [],
    };
    const answer = await send(base, '/v1/articles', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(article) });
    if (answer.status !== 201) throw new Error(`POST answered ${answer.status}: ${answer.body}`);
  }
}

/** The headers that differ between any two answers, cached or not: the clock and the connection. */
const perAnswer = new Set(['date', 'connection', 'keep-alive', 'ratelimit-reset']);
const comparable = (headers: Answer['headers']) => Object.fromEntries(Object.entries(headers).filter(([name]) => !perAnswer.has(name)));

t.test('a cached answer is the uncached answer, byte for byte and header for header', async (t) => {
  const env = { DATABASE_URL: await sharedDatabase(t), RATE_LIMIT_MAX: '1000', PUBLIC_URL: 'https://news.example' };
  const cached = await startServer(env);
  t.teardown(() => cached.stop());
  const uncached = await startServer({ ...env, RESPONSE_CACHE_MB: '0' });
  t.teardown(() => uncached.stop());

  await addArticles(cached.url, 4);
  // Both servers are asked the same requests in the same order, so their rate-limit counts agree.
  const both = async (path: string) => (await Promise.all([cached, uncached].map((server) => send(server.url, path))))[0]!;
  const first = json<{ data: Array<{ id: string; slug: string }>; links: { next: string } }>(await both('/v1/articles?limit=2'));
  const [{ id, slug }] = first.data as [{ id: string; slug: string }];
  const itemTag = (await both(`/v1/articles/${id}`)).headers.etag as string;
  const pageTag = (await both('/v1/articles?limit=2')).headers.etag as string;
  const seeded = encodeURIComponent('العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز');
  const cases: Array<[string, { method?: string; headers?: Record<string, string> }]> = [
    [`/v1/articles/${id}`, {}],
    [`/v1/articles/${encodeURIComponent(slug)}`, {}],
    [`/v1/articles/${id}?fields=title,slug`, {}],
    [`/v1/articles/${id}?include=people,organisations`, {}],
    [`/v1/articles/${id}`, { headers: { accept: 'application/ld+json' } }],
    [`/v1/articles/${id}?format=ninjs`, {}],
    // The seeded report is over the 1 KB compression threshold: a coded answer is not kept for the next request's coding.
    [`/v1/articles/${seeded}`, { headers: { 'accept-encoding': 'gzip' } }],
    [`/v1/articles/${seeded}`, {}],
    [`/v1/articles/${seeded}`, { headers: { 'accept-encoding': 'br' } }],
    [`/v1/articles/${seeded}`, { headers: { 'accept-encoding': 'gzip' } }],
    [`/v1/articles/${id}`, { headers: { 'if-none-match': itemTag } }],
    [`/v1/articles/${id}`, { headers: { 'if-none-match': '"stale"' } }],
    [`/v1/articles/${id}`, { method: 'HEAD' }],
    [`/v1/articles/${id}`, { headers: { authorization: `Bearer ${token}` } }],
    ['/v1/articles?limit=2', {}],
    ['/v1/articles?limit=2', { headers: { 'if-none-match': pageTag } }],
    [first.links.next, {}],
    ['/v1/articles?limit=2&include=people,organisations', {}],
    ['/v1/articles?limit=2&fields=title', { headers: { origin: 'https://news.example' } }],
    ['/v1/articles?limit=2', { headers: { accept: 'application/ld+json' } }],
    ['/v1/people?sort=name', {}],
    [`/v1/articles/${id}/mentions`, {}],
    [`/v1/search?q=${encodeURIComponent('الداخلية')}`, {}],
    ['/v1/articles/no-such-article', {}],
    ['/v1/articles?limit=0', {}],
  ];
  const seen = new Set<number>();
  for (const [n, [path, options]] of cases.entries()) {
    const answers: Answer[] = [];
    // Twice to each: the cached server answers the second from the cache; both have counted as many reads.
    for (const round of [1, 2]) {
      for (const server of [cached, uncached]) {
        const headers = { ...options.headers, 'x-request-id': `case-${n}-${round}-${server.port}` };
        answers.push(await send(server.url, path, { ...options, headers }));
      }
    }
    const [, , hit, fresh] = answers as [Answer, Answer, Answer, Answer];
    const label = `${options.method ?? 'GET'} ${path} ${JSON.stringify(options.headers ?? {})}`;
    seen.add(hit.status);
    t.equal(hit.status, fresh.status, `${label}: status`);
    t.ok(hit.body.equals(fresh.body), `${label}: body`);
    t.equal(hit.headers['x-request-id'], `case-${n}-2-${cached.port}`, `${label}: the request's own id`);
    t.same({ ...comparable(hit.headers), 'x-request-id': '' }, { ...comparable(fresh.headers), 'x-request-id': '' }, `${label}: headers`);
  }
  t.same([...seen].sort(), [200, 304, 400, 404], 'the table has 200s, 304s and errors');
});

t.test('no read returns bytes older than a write acknowledged before it was sent, across two workers', async (t) => {
  const server = await startServer({ DATABASE_URL: await sharedDatabase(t), WORKERS: '2', RATE_LIMIT_MAX: '0', RATE_LIMIT_WRITE_MAX: '0' });
  t.teardown(() => server.stop());
  await addArticles(server.url, 2);
  const page = json<{ data: Array<{ id: string; version: number }> }>(await send(server.url, '/v1/articles?limit=20'));
  const articles = page.data.slice(0, 2);
  t.equal(articles.length, 2, 'two articles on the first page');
  /** Per article: the version of the latest write acknowledged so far. */
  const acknowledged = new Map(articles.map((a) => [a.id, a.version]));
  const until = Date.now() + 4_000;
  let writes = 0;
  let reads = 0;
  const stale: string[] = [];

  const writer = async (id: string) => {
    for (let n = 0; Date.now() < until; n++) {
      const answer = await send(server.url, `/v1/articles/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ title: `عنوان ${n}` }),
      });
      if (answer.status !== 200) throw new Error(`PATCH answered ${answer.status}: ${answer.body}`);
      const { version } = json<{ data: { version: number } }>(answer).data;
      acknowledged.set(id, Math.max(acknowledged.get(id)!, version));
      writes++;
    }
  };
  const reader = async (kind: 'item' | 'page') => {
    while (Date.now() < until) {
      const floor = new Map(acknowledged);
      const answer = await send(server.url, kind === 'item' ? `/v1/articles/${articles[reads % 2]!.id}` : '/v1/articles?limit=20');
      const records = kind === 'item' ? [json<{ data: { id: string; version: number } }>(answer).data] : json<{ data: Array<{ id: string; version: number }> }>(answer).data;
      for (const record of records) {
        const least = floor.get(record.id);
        if (least !== undefined && record.version < least) stale.push(`${kind} ${record.id}: version ${record.version} after ${least} was acknowledged`);
      }
      reads++;
    }
  };
  await Promise.all([...articles.map((a) => writer(a.id)), reader('item'), reader('item'), reader('page'), reader('page')]);
  // Enough writes that a stale read could show; a busy machine writes fewer in the 4 s (18 seen on PostgreSQL).
  t.ok(writes > 10, `writes ran (${writes})`);
  t.ok(reads > 50, `reads ran (${reads})`);
  t.same(stale.slice(0, 5), [], `no stale read in ${reads} reads beside ${writes} writes`);
});

/** A PATCH of an article through the app, with a writer's token. */
const patchArticle = (app: Awaited<ReturnType<typeof build>>, id: string, payload: Record<string, string>) =>
  app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload });

t.test('the cache holds at most RESPONSE_CACHE_MB, serves a repeat without reading the data, and sees the writer its write', async (t) => {
  const maxBytes = 64 * 1024;
  const app = await build(t, { responseCacheBytes: maxBytes });
  const cache = app.responseCache!;
  let fed = 0;
  for (let limit = 1; limit <= 60; limit++) {
    for (const url of [`/v1/articles?limit=${limit}`, `/v1/articles?limit=${limit}&include=people,organisations`]) {
      const answer = await app.inject({ url });
      t.equal(answer.statusCode, 200);
      fed += answer.rawPayload.length;
      if (cache.bytes > maxBytes) t.fail(`${cache.bytes} bytes held after ${url}`);
    }
  }
  t.ok(fed > 4 * maxBytes, `fed ${fed} bytes, more than four times the bound`);
  t.ok(cache.bytes <= maxBytes && cache.bytes > maxBytes / 2, `holds ${cache.bytes} bytes in ${cache.entries} entries`);

  const url = '/v1/articles?limit=3';
  const miss = await app.inject({ url });
  const statements = await recordStatements(app, () => app.inject({ url }));
  t.ok(statements.length > 0, 'a repeat reads the change stamp');
  t.same(
    statements.filter((s) => !readsChangeStamp(s)).map((s) => s.source),
    [],
    'and nothing else: not the data, nor the change feed a first page is kept across writes by',
  );
  const errorEntries = cache.entries;
  await app.inject({ url: '/v1/articles/no-such-article' });
  t.equal(cache.entries, errorEntries, 'an error is not kept');

  const { id } = body<{ data: Array<{ id: string }> }>(miss).data[0]!;
  const patched = await patchArticle(app, id, { title: 'عنوان جديد' });
  t.equal(patched.statusCode, 200);
  t.equal(body<{ data: Array<{ title: string }> }>(await app.inject({ url })).data[0]!.title, 'عنوان جديد', 'the next read sees the write');
});

t.test('a write lets go of every entry read before it, not only of the ones read again', async (t) => {
  const app = await build(t, { responseCacheBytes: 1024 * 1024 });
  const cache = app.responseCache!;
  const urls = [1, 2, 3, 4, 5].map((limit) => `/v1/articles?limit=${limit}`);
  for (const url of urls) t.equal((await app.inject({ url })).statusCode, 200);
  t.equal(cache.entries, 5, 'five reads, five entries');
  const { id } = body<{ data: Array<{ id: string }> }>(await app.inject({ url: urls[0] })).data[0]!;
  const patched = await patchArticle(app, id, { summary: 'ملخص جديد' });
  t.equal(patched.statusCode, 200);
  const again = await app.inject({ url: urls[1] });
  t.equal(again.statusCode, 200);
  t.equal(cache.entries, 1, 'the first read after the write holds only its own entry');
  t.ok(cache.bytes < 2 * again.rawPayload.length + 1024, `and only its bytes (${cache.bytes} held for a ${again.rawPayload.length}-byte answer)`);
});

t.test('an answer over 256 KiB is served whole but not kept; a short one is', async (t) => {
  const app = await build(t);
  const cache = app.responseCache!;
  const text = Array.from({ length: 2_400 }, () => 'نص طويل').join(' ');
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: auth,
    payload: { slug: 'مقال-طويل', title: 'مقال طويل', language: 'ar', status: 'published', body: Array.from({ length: 10 }, () => ({ type: 'paragraph', text })) },
  });
  t.equal(created.statusCode, 201);
  const { id } = body<{ data: { id: string } }>(created).data;
  const long = await app.inject({ url: `/v1/articles/${id}` });
  t.equal(long.statusCode, 200);
  t.ok(long.rawPayload.length > 256 * 1024, `the answer is ${long.rawPayload.length} bytes`);
  t.equal(body<{ data: { body: Array<{ text: string }> } }>(long).data.body[9]!.text, text, 'and carries the whole body');
  t.equal(cache.entries, 0, 'it is not kept');
  t.equal((await app.inject({ url: '/v1/people?limit=1' })).statusCode, 200);
  t.equal(cache.entries, 1, 'a short answer is');
});

/** The statements an app runs for `action`, beside the public view's (the change stamp, and the next scheduled publication read after a write). */
async function dataStatements(app: Awaited<ReturnType<typeof build>>, action: () => Promise<unknown>): Promise<string[]> {
  return (await recordStatements(app, action)).filter((s) => !readsChangeStamp(s) && !/min\("published_at"\)/.test(s.source)).map((s) => s.source);
}

type App = Awaited<ReturnType<typeof build>>;

/** A write with the editor's token, a PATCH as a merge patch. */
const write = (on: App, method: string, url: string, payload?: object) =>
  on.inject({ method, url, headers: { ...auth, ...(method === 'PATCH' ? { 'content-type': 'application/merge-patch+json' } : {}) }, ...(payload ? { payload } : {}) });

/**
 * An app with a cache and its oracle, the same database read without one (which also writes, as another process
 * would), on a clock the test moves; `created` makes a published article through the app (or `by` another) and gives its id.
 */
async function cachedAndOracle(t: Test, start: string, databaseUrl?: string) {
  let now = Date.parse(start);
  const clock = () => now;
  databaseUrl ??= await sharedDatabase(t);
  const app = await build(t, { databaseUrl }, { clock });
  const oracle = await build(t, { databaseUrl, responseCacheBytes: 0 }, { clock });
  const created = async (slug: string, extra: object = {}, by: App = app) => {
    const answer = await write(by, 'POST', '/v1/articles', {
      slug,
      title: slug,
      language: 'ar',
      status: 'published',
      published_at: '2026-11-25T09:00:00.000Z',
      body: [{ type: 'paragraph', text: 'فقرة.' }],
      ...extra,
    });
    t.equal(answer.statusCode, 201, `${slug} created`);
    return body<{ data: { id: string } }>(answer).data.id;
  };
  return { app, oracle, created, setNow: (iso: string) => (now = Date.parse(iso)) };
}

type Created = Awaited<ReturnType<typeof cachedAndOracle>>['created'];

interface KeptCase {
  name: string;
  url: string;
  headers?: Record<string, string>;
  writes: () => Promise<unknown>;
  /** Whether the answer changes. */
  changes: boolean;
  /** Whether the kept answer is served without the statements a read without the cache runs. */
  kept: boolean;
}

/** A case: a draft written at the head of the list, which the public does not see (the page is as it was); `noted` is given its id. */
const newDraftCase = (name: string, url: string, kept: boolean, created: Created, noted: (id: string) => void): KeptCase => ({
  name,
  url,
  writes: async () => noted(await created('و', { status: 'draft' })),
  changes: false,
  kept,
});

/** Each case: a read the cache keeps, the writes after it, then the read again, against the oracle's. */
async function checkKeptAcrossWrites(t: Test, app: App, oracle: App, cases: KeptCase[]) {
  for (const { name, url, headers = {}, writes, changes, kept } of cases) {
    const before = await app.inject({ url, headers });
    t.equal(before.statusCode, 200, `${name}: read before`);
    await app.inject({ url, headers });
    const written = await writes();
    if (written && typeof written === 'object' && 'statusCode' in written) t.ok(Number(written.statusCode) < 300, `${name}: written`);
    let after = before;
    let truth = before;
    const served = await dataStatements(app, async () => {
      after = await app.inject({ url, headers });
    });
    const read = new Set(
      await dataStatements(oracle, async () => {
        truth = await oracle.inject({ url, headers });
      }),
    );
    t.equal(after.statusCode, truth.statusCode, `${name}: status as read without the cache`);
    t.equal(after.body, truth.body, `${name}: body as read without the cache`);
    t.equal(after.headers.etag, truth.headers.etag, `${name}: ETag as read without the cache`);
    t.equal(after.body !== before.body || after.statusCode !== 200, changes, `${name}: ${changes ? 'changed' : 'unchanged'}`);
    t.equal(!served.some((source) => read.has(source)), kept, `${name}: ${kept ? 'kept' : 'read again'}`);
  }
}

t.test("a record's kept answer outlives writes to other records, and is never older than the record", async (t) => {
  const { app, oracle, created, setNow } = await cachedAndOracle(t, '2026-12-01T09:00:00.000Z');
  const first = async (resource: string) => body<{ data: Array<{ id: string }> }>(await app.inject({ url: `/v1/${resource}?limit=1` })).data[0]!.id;
  const [meeting, organisation, person] = [await first('meetings'), await first('organisations'), await first('people')];
  const [a, b, c, d] = [await created('أ'), await created('ب'), await created('ج'), await created('د')];
  const linked = await created('ز', { person_ids: [person] });

  // Each case: a read the cache keeps, the writes after it, and whether the answer changes. An unchanged one is served
  // without the statements a read without the cache runs; a changed one is read again.
  const cases: Array<Omit<KeptCase, 'kept'>> = [
    { name: 'a PATCH of another record', url: `/v1/articles/${a}`, writes: () => write(app, 'PATCH', `/v1/articles/${b}`, { title: 'ب ٢' }), changes: false },
    { name: 'a PATCH of the record', url: `/v1/articles/${a}`, writes: () => write(app, 'PATCH', `/v1/articles/${a}`, { title: 'أ ٢' }), changes: true },
    { name: 'a PATCH of the record by another app on the database', url: `/v1/articles/${a}`, writes: () => write(oracle, 'PATCH', `/v1/articles/${a}`, { title: 'أ ٣' }), changes: true },
    { name: 'an article linking the record', url: `/v1/people/${person}`, writes: () => created('ح', { person_ids: [person] }), changes: false },
    { name: 'a new article naming the meeting (a reverse list)', url: `/v1/meetings/${meeting}`, writes: () => created('هـ', { meeting_ids: [meeting] }), changes: true },
    {
      name: 'an article scheduled for later naming the meeting',
      url: `/v1/meetings/${meeting}`,
      writes: () => created('و', { meeting_ids: [meeting], published_at: '2026-12-01T10:00:00.000Z' }),
      changes: false,
    },
    {
      name: 'the scheduled article coming due',
      url: `/v1/meetings/${meeting}`,
      writes: async () => {
        setNow('2026-12-01T10:00:01.000Z');
      },
      changes: true,
    },
    {
      name: 'a person joining the organisation (a reverse list)',
      url: `/v1/organisations/${organisation}`,
      writes: () => write(oracle, 'PATCH', `/v1/people/${person}`, { affiliations: [{ organisation_id: organisation, role: 'عضو', acting: false }] }),
      changes: true,
    },
    {
      name: 'a linked person renamed, read as ninjs (which names them)',
      url: `/v1/articles/${linked}?format=ninjs`,
      writes: () => write(app, 'PATCH', `/v1/people/${person}`, { name: 'اسم آخر' }),
      changes: true,
    },
    {
      name: 'a linked organisation renamed, read with include',
      url: `/v1/meetings/${meeting}?include=organisations`,
      writes: () => write(app, 'PATCH', `/v1/organisations/${organisation}`, { name: 'اسم آخر' }),
      changes: true,
    },
    { name: 'a PATCH of another record, read with fields', url: `/v1/articles/${a}?fields=title`, writes: () => write(app, 'PATCH', `/v1/articles/${b}`, { title: 'ب ٣' }), changes: false },
    {
      name: 'the slug moved to another record',
      url: `/v1/articles/${encodeURIComponent('ج')}`,
      writes: async () => {
        await write(app, 'PATCH', `/v1/articles/${c}`, { slug: 'ج-قديم' });
        await write(app, 'PATCH', `/v1/articles/${d}`, { slug: 'ج' });
      },
      changes: true,
    },
    { name: 'the record unpublished', url: `/v1/articles/${d}`, writes: () => write(app, 'PATCH', `/v1/articles/${d}`, { status: 'draft' }), changes: true },
    { name: 'the record deleted', url: `/v1/articles/${b}`, writes: () => write(app, 'DELETE', `/v1/articles/${b}`), changes: true },
  ];
  // Shaped by a query, a record's answer is kept for one view, as a page is.
  await checkKeptAcrossWrites(
    t,
    app,
    oracle,
    cases.map((c) => ({ ...c, kept: !c.changes && !c.url.includes('?') })),
  );
});

t.test("a list's first page outlives the writes the change feed shows cannot reach it, and is never older than the list", async (t) => {
  const { app, oracle, created, setNow } = await cachedAndOracle(t, '2026-12-01T09:00:00.000Z');
  // Newest first: the page of two is [d, c]; a and b sort after it.
  const [a, , c] = [await created('أ'), await created('ب'), await created('ج'), await created('د')];
  let scheduled = '';
  let draft = '';
  let named = '';
  const person = body<{ data: Array<{ id: string }> }>(await app.inject({ url: '/v1/people?limit=1' })).data[0]!.id;
  const page = '/v1/articles?limit=2&count=false';
  const patch = (on: App, id: string, payload: object) => () => write(on, 'PATCH', `/v1/articles/${id}`, payload);
  const cases: KeptCase[] = [
    // Without a total the page's next link holds only while a record follows it: a write after the page reads it again.
    { name: 'a PATCH of a record after the page', url: page, writes: patch(app, a, { title: 'أ ٢' }), changes: false, kept: false },
    { name: 'a record after the page unpublished', url: page, writes: patch(app, a, { status: 'draft' }), changes: false, kept: false },
    { name: 'and published again', url: page, writes: patch(app, a, { status: 'published' }), changes: false, kept: false },
    { name: 'a PATCH of a record on the page', url: page, writes: patch(app, c, { title: 'ج ٢' }), changes: true, kept: false },
    { name: 'a record on the page unpublished', url: page, writes: patch(oracle, c, { status: 'draft' }), changes: true, kept: false },
    { name: 'a new article at the head', url: page, writes: () => created('هـ'), changes: true, kept: false },
    // Without a margin, even a record the public does not see counts: it may have been counted and hidden again.
    newDraftCase('a new draft', page, false, created, (id) => (draft = id)),
    { name: 'the draft published', url: page, writes: () => patch(oracle, draft, { status: 'published' })(), changes: true, kept: false },
    {
      name: 'an article scheduled for later',
      url: page,
      writes: async () => {
        scheduled = await created('ز', { published_at: '2026-12-01T10:00:00.000Z' });
      },
      changes: false,
      // It moves the next scheduled time, which the page is kept with.
      kept: false,
    },
    { name: 'the scheduled article coming due (no event)', url: page, writes: async () => setNow('2026-12-01T10:00:01.000Z'), changes: true, kept: false },
    { name: 'a write to another resource', url: page, writes: () => write(app, 'PATCH', `/v1/people/${person}`, { name: 'اسم آخر' }), changes: false, kept: false },
    { name: 'a record on the page deleted', url: page, writes: () => write(app, 'DELETE', `/v1/articles/${scheduled}`), changes: true, kept: false },
    {
      name: 'a new article at the head naming a new person',
      url: page,
      writes: async () => {
        const answer = await write(app, 'POST', '/v1/people', { slug: 'شخص-جديد', name: 'شخص جديد', aliases: [] });
        named = body<{ data: { id: string } }>(answer).data.id;
        return created('ح', { person_ids: [named] });
      },
      changes: true,
      kept: false,
    },
    // The article's person_ids loses it, with no event of the article's.
    { name: 'the person named on the page deleted', url: page, writes: () => write(app, 'DELETE', `/v1/people/${named}`), changes: true, kept: false },
    // An exact total changes with any record that joins or leaves: the page is read again at every write.
    { name: 'a PATCH after the page, read with the total', url: '/v1/articles?limit=2', writes: patch(app, a, { title: 'أ ٣' }), changes: false, kept: false },
    { name: 'a record after the page unpublished, read with the total', url: '/v1/articles?limit=2', writes: patch(app, a, { status: 'draft' }), changes: true, kept: false },
    // Pages the feed cannot decide: the last (any record may join it), another order, a filter, an embedding, JSON-LD.
    { name: 'a PATCH, the whole list in one page', url: '/v1/articles?limit=100&count=false', writes: () => patch(app, draft, { title: 'و ٤' })(), changes: true, kept: false },
    { name: 'a PATCH after the page, sorted by title', url: `${page}&sort=-title`, writes: patch(app, a, { summary: 'ملخص ٢' }), changes: false, kept: false },
    { name: 'a PATCH after the page, filtered', url: `${page}&filter[language][eq]=ar`, writes: patch(app, a, { summary: 'ملخص ٣' }), changes: false, kept: false },
    { name: 'a PATCH after the page, with include', url: `${page}&include=people`, writes: patch(app, a, { summary: 'ملخص ٤' }), changes: false, kept: false },
    { name: 'a PATCH after the page, as JSON-LD', url: page, headers: { accept: 'application/ld+json' }, writes: patch(app, a, { summary: 'ملخص ٥' }), changes: false, kept: false },
  ];
  await checkKeptAcrossWrites(t, app, oracle, cases);
});

t.test('a first page read across a commit that came between its view and the feed is kept for its view only', keptOnSqlite, async (t) => {
  const { app, oracle, created, setNow } = await cachedAndOracle(t, '2026-12-01T09:00:00.000Z');
  for (const slug of ['أ', 'ب', 'ج']) await created(slug);
  const page = '/v1/articles?limit=2';
  // Another app publishes an article dated just after the page's moment once the page's view is decided, before the feed is read.
  const { changes } = app.services;
  const newestSeq = changes.lastSeq;
  let between = '';
  changes.lastSeq = async () => {
    changes.lastSeq = newestSeq;
    between = await created('د', { published_at: '2026-12-01T09:00:00.500Z' }, oracle);
    return newestSeq();
  };
  const first = await app.inject({ url: page });
  t.ok(between, 'the commit came between');
  t.notOk(first.body.includes(between), 'the page, read at its moment, is without the article dated after it');
  setNow('2026-12-01T09:00:01.000Z');
  const [after, truth] = [await app.inject({ url: page }), await oracle.inject({ url: page })];
  t.ok(truth.body.includes(between), 'once its date has come, the list has it');
  t.equal(after.body, truth.body, 'and the page is read again, not served from before the commit');
  t.equal(after.headers.etag, truth.headers.etag, 'its ETag as read without the cache');
});

t.test("past the count cap, a first page outlives writes after it, as many as its total's margin", keptOnSqlite, async (t) => {
  // 1,100 generated articles, nearly all public: the total reads "at least 1,000", with a margin past it.
  const folder = mkdtempSync(join(tmpdir(), 'khabar-kept-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  const databaseUrl = `file:${join(folder, 'khabar.db')}`;
  const generated = openDatabase(databaseUrl);
  await loadSyntheticData(sqliteLoading(generated), { articles: 1_100, people: 10, organisations: 5, meetings: 5, seed: 7 });
  generated.close();
  const { app, oracle, created, setNow } = await cachedAndOracle(t, '2027-01-01T09:00:00.000Z', databaseUrl);
  const long = Array.from({ length: 20 }, () => ({ type: 'paragraph', text: 'نص طويل '.repeat(2_400) }));
  await created('ب', { body: long });
  const cut = await created('ج', { body: long });
  const older = await created('أ');
  await created('د');
  await created('ذ');
  const page = '/v1/articles?limit=2';
  const { meta } = body<{ meta: { total: number; total_relation: string } }>(await app.inject({ url: page }));
  t.same([meta.total, meta.total_relation], [1000, 'gte'], 'the total reads at least the cap');
  const patch = (on: App, id: () => string, payload: object) => () => write(on, 'PATCH', `/v1/articles/${id()}`, payload);
  let draft = '';
  await checkKeptAcrossWrites(t, app, oracle, [
    { name: 'a PATCH of a record after the page', url: page, writes: patch(app, () => older, { title: 'أ ٢' }), changes: false, kept: true },
    { name: 'a record after the page unpublished', url: page, writes: patch(app, () => older, { status: 'draft' }), changes: false, kept: true },
    { name: 'a record after the page deleted', url: page, writes: () => write(oracle, 'DELETE', `/v1/articles/${older}`), changes: false, kept: true },
    // Its id sorts before the page's last, but the public does not see it: the page is served on one lookup of it.
    newDraftCase('a new draft at the head', page, true, created, (id) => (draft = id)),
    { name: 'the draft edited by another app on the database', url: page, writes: patch(oracle, () => draft, { title: 'و ٢' }), changes: false, kept: true },
    { name: 'the draft edited, read with fields', url: `${page}&fields=title`, writes: patch(app, () => draft, { title: 'و ٣' }), changes: false, kept: true },
    { name: 'the draft published', url: page, writes: patch(app, () => draft, { status: 'published' }), changes: true, kept: false },
    { name: 'a PATCH after the page, without a total', url: `${page}&count=false`, writes: patch(app, () => cut, { summary: 'ملخص' }), changes: false, kept: false },
    // Two long articles after the newest three: a page of four ids ends before the first by its byte budget, and
    // would hold it once it is shorter.
    {
      name: 'the record after a page cut by its byte budget shortened',
      url: '/v1/articles?limit=4&fields=id',
      writes: patch(app, () => cut, { body: [{ type: 'paragraph', text: 'قصير' }] }),
      changes: true,
      kept: false,
    },
    { name: 'a new article at the head', url: page, writes: () => created('هـ'), changes: true, kept: false },
  ]);

  // An article scheduled for later, committed by another app while a request checks the kept page (after its view was
  // decided, before the feed's events are read): the page answers that view, but its date is one the view's next
  // publication does not know, so the event is checked again at the next view.
  t.equal((await app.inject({ url: page })).statusCode, 200);
  await created('ي', { status: 'draft' });
  const { changes } = app.services;
  const eventsAfter = changes.page;
  let scheduled = '';
  changes.page = async (...args: Parameters<typeof eventsAfter>) => {
    changes.page = eventsAfter;
    scheduled = await created('مجدول', { published_at: '2027-01-01T09:00:30.000Z' }, oracle);
    return eventsAfter(...args);
  };
  const during = await app.inject({ url: page });
  t.ok(scheduled, 'the scheduled article was committed during the check');
  t.equal(during.body, (await oracle.inject({ url: page })).body, 'the page as that view sees it');
  setNow('2027-01-01T09:00:31.000Z');
  const [after, truth] = [await app.inject({ url: page }), await oracle.inject({ url: page })];
  t.ok(truth.body.includes(scheduled), 'once its date has come, the list has it');
  t.equal(after.body, truth.body, 'and the kept page is not served without it');
});

t.test("after a write to another record, a kept record's answer is served on its revision alone", async (t) => {
  const app = await build(t);
  const cache = app.responseCache!;
  const [first, second] = body<{ data: Array<{ id: string }> }>(await app.inject({ url: '/v1/people?limit=2' })).data as [{ id: string }, { id: string }];
  const url = `/v1/people/${first.id}`;
  const kept = await app.inject({ url });
  const miss = new Set(await dataStatements(app, () => app.inject({ url: `/v1/people/${second.id}` })));
  const patch = (id: string, name: string) => app.inject({ method: 'PATCH', url: `/v1/people/${id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { name } });
  t.equal((await patch(second.id, 'اسم جديد')).statusCode, 200);
  let answer = kept;
  const statements = await dataStatements(app, async () => {
    answer = await app.inject({ url });
  });
  t.equal(answer.body, kept.body, 'the kept answer');
  t.equal(statements.length, 1, 'one statement beside the public view');
  t.notOk(
    statements.some((source) => miss.has(source)),
    'and not one a miss runs',
  );
  t.same(await dataStatements(app, () => app.inject({ url })), [], 'found current, it is not asked again at the same view');

  const entries = cache.entries;
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/people/${second.id}`, headers: auth })).statusCode, 204);
  t.equal((await app.inject({ url: `/v1/people/${second.id}` })).statusCode, 404);
  t.equal(cache.entries, entries - 1, 'the answer of a record since deleted is let go, not checked again at every read');
});
