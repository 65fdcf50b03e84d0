import { sql } from 'drizzle-orm';
import t from 'tap';
import { storesOf } from '../../src/core/db/handles.js';
import { purgeExpired } from '../../src/core/trash/purge.js';
import { buildApp } from '../../src/web/app.js';
import { auth, body, build, countRows, jobsOf, readRows, sharedDatabase, storedRecord, testConfig, writeRows, writerToken } from '../helper.js';

const adminSecret = 'admin-secret-0123456789';
const previewSecret = 'preview-secret-0123456789';
const apiTokens = [
  { name: 'test-editor', secret: writerToken, role: 'editor' as const },
  { name: 'ops', secret: adminSecret, role: 'admin' as const },
  { name: 'frontend', secret: previewSecret, role: 'preview' as const },
];
const admin = { authorization: `Bearer ${adminSecret}` };
const preview = { authorization: `Bearer ${previewSecret}` };
const json = { ...auth, 'content-type': 'application/json' };
const day = 24 * 60 * 60 * 1000;

type App = Awaited<ReturnType<typeof build>>;

/** A record of another resource whose list names the trashed one: what it reads with it there, and without. */
interface Referrer {
  url: string;
  read(record: Record<string, any>): unknown;
  with: unknown;
  without: unknown;
}

/** Per resource: a record with a word no seeded record has (for search), and the records that link to it. */
interface Case {
  path: string;
  word: string;
  create(app: App): Promise<Record<string, unknown>>;
  referrers(app: App, id: string): Promise<Referrer[]>;
  /** A list of another resource that the links to the record count in: one record while they are there. */
  counted?: (id: string) => string;
}

const post = async (app: App, path: string, payload: Record<string, unknown>) => {
  const response = await app.inject({ method: 'POST', url: `/v1/${path}`, headers: json, payload });
  if (response.statusCode !== 201) throw new Error(`${path}: ${response.statusCode} ${response.body}`);
  return body(response).data as { id: string; slug: string };
};
const get = (app: App, url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });
const article = (slug: string, links: Record<string, string[]>) => ({
  slug,
  title: `مقال ${slug}`,
  language: 'ar',
  body: [{ type: 'paragraph', text: 'نص' }],
  ...links,
});

async function seeded(app: App) {
  return {
    ministry: (await storedRecord(app, storesOf(app.services).organisations, 'وزارة-الداخلية-الكويتية')).id,
    person: (await storedRecord(app, storesOf(app.services).people, 'علي-العدواني')).id,
    otherPerson: (await storedRecord(app, storesOf(app.services).people, 'صالح-المربع')).id,
    meeting: (await storedRecord(app, storesOf(app.services).meetings, 'العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز')).id,
  };
}

const cases: Case[] = [
  {
    path: 'articles',
    word: 'زبرجدية',
    // An article's lists are its own; a meeting's `article_ids` is their reverse.
    async create(app) {
      const meeting = await post(app, 'meetings', { slug: 'لقاء-المقال', title: 'لقاء', status: 'held' });
      return { ...article('مقال-زبرجدي', { meeting_ids: [meeting.id] }), title: 'زبرجدية' };
    },
    async referrers(app, id) {
      const meeting = (await storedRecord(app, storesOf(app.services).meetings, 'لقاء-المقال')).id;
      return [{ url: `/v1/meetings/${meeting}`, read: (m) => m.article_ids, with: [id], without: [] }];
    },
  },
  {
    path: 'people',
    counted: (id) => `/v1/articles?filter[person]=${id}`,
    word: 'زمردي',
    create: async () => ({ slug: 'زمردي-الأول', name: 'زمردي الأول' }),
    async referrers(app, id) {
      const { person, otherPerson, ministry } = await seeded(app);
      const linking = await post(app, 'articles', article('مقال-عن-زمردي', { person_ids: [person, id, otherPerson] }));
      const meeting = await post(app, 'meetings', { slug: 'لقاء-زمردي', title: 'لقاء', status: 'held', participants: [{ person_id: id, organisation_id: ministry, role: 'guest' }] });
      return [
        { url: `/v1/articles/${linking.id}`, read: (a) => a.person_ids, with: [person, id, otherPerson], without: [person, otherPerson] },
        { url: `/v1/meetings/${meeting.id}`, read: (m) => m.participants, with: [{ person_id: id, organisation_id: ministry, role: 'guest' }], without: [] },
      ];
    },
  },
  {
    path: 'organisations',
    counted: (id) => `/v1/people?filter[organisation]=${id}`,
    word: 'ياقوتية',
    create: async () => ({ slug: 'هيئة-ياقوتية', name: 'هيئة ياقوتية', kind: 'agency' }),
    async referrers(app, id) {
      const { person, ministry } = await seeded(app);
      const member = await post(app, 'people', { slug: 'عضو-الهيئة', name: 'عضو الهيئة', affiliations: [{ organisation_id: id, role: 'رئيس' }] });
      const meeting = await post(app, 'meetings', {
        slug: 'لقاء-الهيئة',
        title: 'لقاء',
        status: 'held',
        organisation_ids: [ministry, id],
        participants: [{ person_id: person, organisation_id: id, role: 'delegate' }],
      });
      const linking = await post(app, 'articles', article('مقال-عن-الهيئة', { organisation_ids: [id] }));
      return [
        { url: `/v1/people/${member.id}`, read: (p) => p.affiliations, with: [{ organisation_id: id, role: 'رئيس', acting: null }], without: [] },
        // A participant's organisation is set to null with it (it stays a participant), and comes back.
        {
          url: `/v1/meetings/${meeting.id}`,
          read: (m) => [m.organisation_ids, m.participants],
          with: [[ministry, id], [{ person_id: person, organisation_id: id, role: 'delegate' }]],
          without: [[ministry], [{ person_id: person, organisation_id: null, role: 'delegate' }]],
        },
        { url: `/v1/articles/${linking.id}`, read: (a) => a.organisation_ids, with: [id], without: [] },
      ];
    },
  },
  {
    path: 'meetings',
    counted: (id) => `/v1/articles?filter[meeting]=${id}`,
    word: 'فيروزي',
    create: async () => ({ slug: 'اجتماع-فيروزي', title: 'اجتماع فيروزي', status: 'planned' }),
    async referrers(app, id) {
      const { meeting } = await seeded(app);
      const linking = await post(app, 'articles', article('مقال-عن-الاجتماع', { meeting_ids: [meeting, id] }));
      return [{ url: `/v1/articles/${linking.id}`, read: (a) => a.meeting_ids, with: [meeting, id], without: [meeting] }];
    },
  },
];

/** The events of one record, oldest first, as a token reads the feed. */
async function actionsOf(app: App, id: string): Promise<string[]> {
  const events = body(await get(app, '/v1/changes?after=0&limit=1000', auth)).data as Array<{ id: string; action: string }>;
  return events.filter((event) => event.id === id).map((event) => event.action);
}

t.test('each resource: a DELETE moves it to the trash, a restore brings it back with its links, an admin purges it', async (t) => {
  const app = await build(t, { apiTokens });
  for (const c of cases) {
    await t.test(c.path, async (t) => {
      const created = await post(app, c.path, await c.create(app));
      const id = created.id;
      const referrers = await c.referrers(app, id);
      const readAll = async () => Promise.all(referrers.map(async (r) => r.read(body(await get(app, r.url, auth)).data)));
      t.same(
        await readAll(),
        referrers.map((r) => r.with),
        'the other records link to it',
      );
      const before = body(await get(app, `/v1/${c.path}/${id}`, auth)).data;
      const search = `/v1/search?q=${encodeURIComponent(c.word)}`;
      const found = async (headers: Record<string, string>) => (body(await get(app, search, headers)).data as Array<{ id: string }>).some((hit) => hit.id === id);
      t.ok(await found({}), 'search finds it before');

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${id}`, headers: auth })).statusCode, 204);
      for (const [who, headers] of [
        ['public', {}],
        ['token', auth],
      ] as const) {
        t.equal((await get(app, `/v1/${c.path}/${id}`, headers)).statusCode, 404, `${who}: a 404`);
        t.equal((await get(app, `/v1/${c.path}/${encodeURIComponent(created.slug)}`, headers)).statusCode, 404, `${who}: by slug too`);
        const list = body(await get(app, `/v1/${c.path}?limit=100`, headers));
        t.equal(list.meta.next_cursor, null, `${who}: the list is one page`);
        t.notOk(
          list.data.some((record: { id: string }) => record.id === id),
          `${who}: not listed`,
        );
        t.notOk(await found(headers), `${who}: not found by search`);
      }
      t.same(
        await readAll(),
        referrers.map((r) => r.without),
        'the links to it are gone',
      );
      const trash = await get(app, `/v1/${c.path}/trash`, auth);
      t.equal(trash.statusCode, 200);
      t.match(body(trash).data, [{ id, slug: created.slug, version: 1, trashed_by: 'test-editor' }], 'the trash lists it');
      t.equal((await get(app, `/v1/${c.path}/trash`)).statusCode, 401, 'the trash is not public');

      const restored = await app.inject({ method: 'POST', url: `/v1/${c.path}/${id}/restore`, headers: auth });
      t.equal(restored.statusCode, 200);
      t.equal(restored.headers['content-type'], 'application/json; charset=utf-8', 'answered as JSON');
      t.equal(restored.headers.location, `/v1/${c.path}/${id}`);
      const after = body(await get(app, `/v1/${c.path}/${id}`, auth)).data;
      const { created_at, updated_at, version, ...content } = before;
      t.match(after, content, 'back under its id with its content');
      // create, delete, restore: the restore's revision is the third, and its version past the one it had.
      t.equal(after.version, 3, 'at the number of its restore’s revision');
      t.same(body(restored).data, after, 'the restore answers the record');
      t.same(
        await readAll(),
        referrers.map((r) => r.with),
        'the links come back, in their places',
      );
      t.ok(await found({}), 'search finds it again');
      t.same(body(await get(app, `/v1/${c.path}/trash`, auth)).data, [], 'the trash is empty again');
      const revisions = body(await get(app, `/v1/${c.path}/${id}/revisions`, auth)).data.map((r: { action: string }) => r.action);
      t.same(revisions, ['restore', 'delete', 'create'], 'a revision for the trash and one for the restore');
      t.equal((await app.inject({ method: 'POST', url: `/v1/${c.path}/${id}/restore`, headers: auth })).statusCode, 404, 'a record not in the trash is not restored');

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${id}`, headers: auth })).statusCode, 204);
      const purge = (headers: Record<string, string>) => app.inject({ method: 'DELETE', url: `/v1/${c.path}/${id}/trash`, headers });
      t.equal((await purge(auth)).statusCode, 403, 'an editor cannot purge');
      t.equal((await purge(admin)).statusCode, 204, 'an admin purges');
      t.equal((await purge(admin)).statusCode, 404, 'once');
      t.same(body(await get(app, `/v1/${c.path}/trash`, auth)).data, [], 'gone from the trash');
      t.equal((await get(app, `/v1/${c.path}/${id}/revisions`, auth)).statusCode, 404, 'its revisions are erased');
      t.equal((await app.inject({ method: 'POST', url: `/v1/${c.path}/${id}/restore`, headers: auth })).statusCode, 404, 'nothing to restore');
      t.same(await actionsOf(app, id), ['created', 'trashed', 'restored', 'trashed', 'purged'], 'the change feed');
    });
  }
});

/** The seq of the newest event, as a token reads the feed. */
async function lastSeq(app: App): Promise<number> {
  return (body(await get(app, '/v1/changes?after=0&limit=1000', auth)).data as Array<{ seq: number }>).at(-1)!.seq;
}

/** The events after `seq` about any of `ids`. */
async function eventsAbout(app: App, ids: string[], seq: number): Promise<unknown[]> {
  const events = body(await get(app, `/v1/changes?after=${seq}&limit=1000`, auth)).data as Array<{ id: string }>;
  return events.filter((event) => ids.includes(event.id));
}

/** What a reader holds of a record: its ETag and version, as the public and a token read it. */
async function heldCopies(app: App, url: string) {
  const [open, token] = await Promise.all([get(app, url), get(app, url, auth)]);
  return { public: open.headers.etag as string, token: token.headers.etag as string, version: body(token).data.version as number, body: token.body };
}

t.test('an ordinary write that changes the lists another record serves gives that record a new ETag, neither a version nor an event', async (t) => {
  // The rule the trash follows for the records on the other side of the links it takes and puts back.
  const app = await build(t, { apiTokens });
  const organisation = await post(app, 'organisations', { slug: 'هيئة-الأعضاء', name: 'هيئة الأعضاء', kind: 'agency' });
  const url = `/v1/organisations/${organisation.id}`;
  const before = await heldCopies(app, url);
  const seq = await lastSeq(app);
  await post(app, 'people', { slug: 'عضو-جديد', name: 'عضو جديد', affiliations: [{ organisation_id: organisation.id }] });
  const after = await heldCopies(app, url);
  t.equal(after.version, before.version, 'its version stays');
  t.not(after.token, before.token, 'a new ETag');
  t.equal((await eventsAbout(app, [organisation.id], seq)).length, 0, 'no event of its own');
  t.equal((await get(app, url, { ...auth, 'if-none-match': before.token })).statusCode, 200, 'the old ETag is not current');
  t.equal((await get(app, url, { 'if-none-match': before.public })).statusCode, 200, 'nor the public’s');
});

t.test('each pair of resources: a trash, a restore and a purge treat the records on the other side of the links as an ordinary write does', async (t) => {
  const app = await build(t, { apiTokens });
  for (const c of cases) {
    await t.test(c.path, async (t) => {
      const { id } = await post(app, c.path, await c.create(app));
      const referrers = await c.referrers(app, id);
      const urls = referrers.map((r) => r.url);
      const ids = urls.map((url) => url.split('/').at(-1)!);
      const held = async () => Promise.all(urls.map((url) => heldCopies(app, url)));
      const stale = async (copies: Awaited<ReturnType<typeof held>>, what: string) => {
        for (const [i, url] of urls.entries()) {
          t.equal((await get(app, url, { ...auth, 'if-none-match': copies[i]!.token })).statusCode, 200, `${url}: a token’s copy from ${what} is not current`);
          t.equal((await get(app, url, { 'if-none-match': copies[i]!.public })).statusCode, 200, `${url}: nor the public’s`);
        }
      };
      const newTags = (now: Awaited<ReturnType<typeof held>>, then: Awaited<ReturnType<typeof held>>, what: string) => {
        for (const [i, url] of urls.entries()) t.not(now[i]!.token, then[i]!.token, `${url}: a new ETag once the link is ${what}`);
      };
      const sameVersions = (now: Awaited<ReturnType<typeof held>>, then: Awaited<ReturnType<typeof held>>, what: string) =>
        t.same(
          now.map((copy) => copy.version),
          then.map((copy) => copy.version),
          `${what}: their versions stay`,
        );
      // The public's totals are remembered until a write: one remembered across the change would count a link wrongly.
      const total = async () => (c.counted ? body(await get(app, c.counted(id))).meta.total : 1);
      // The public reads fill the response cache: a copy served from it after the change would answer 304 or the old body.
      const linked = await held();
      t.equal(await total(), 1, 'counted in the other resource’s list');
      let seq = await lastSeq(app);

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${id}`, headers: auth })).statusCode, 204);
      const unlinked = await held();
      sameVersions(unlinked, linked, 'trashed');
      newTags(unlinked, linked, 'gone');
      await stale(linked, 'before the trash');
      t.same(await eventsAbout(app, ids, seq), [], 'no event of theirs');
      if (c.counted) t.equal(await total(), 0, 'no longer counted');

      seq = await lastSeq(app);
      t.equal((await app.inject({ method: 'POST', url: `/v1/${c.path}/${id}/restore`, headers: auth })).statusCode, 200);
      t.equal(await total(), 1, 'counted again');
      const relinked = await held();
      sameVersions(relinked, linked, 'restored');
      newTags(relinked, unlinked, 'back');
      await stale(unlinked, 'the trash');
      t.same(
        relinked.map((copy) => copy.body),
        linked.map((copy) => copy.body),
        'they serve what they served before the trash',
      );
      t.same(await eventsAbout(app, ids, seq), [], 'no event of theirs');

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${id}`, headers: auth })).statusCode, 204);
      const trashedAgain = await held();
      seq = await lastSeq(app);
      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${id}/trash`, headers: admin })).statusCode, 204);
      const purged = await held();
      sameVersions(purged, linked, 'purged');
      t.same(
        purged.map((copy) => [copy.token, copy.public, copy.body]),
        trashedAgain.map((copy) => [copy.token, copy.public, copy.body]),
        'a purge changes nothing they serve: the links went with the trash',
      );
      for (const [i, url] of urls.entries()) t.equal((await get(app, url, { ...auth, 'if-none-match': purged[i]!.token })).statusCode, 304, `${url}: the current copy is current`);
      t.same(await eventsAbout(app, ids, seq), [], 'no event of theirs');
    });
  }
});

/** Per resource, a change to its content that leaves its lists as they are. */
const renames = { articles: { title: 'عنوان آخر' }, people: { name: 'اسم آخر' }, organisations: { name: 'اسم آخر' }, meetings: { title: 'عنوان آخر' } } as const;

t.test('each resource: a restored record comes back at a version past every one it had, so no earlier ETag matches it', async (t) => {
  const app = await build(t, { apiTokens });
  for (const c of cases) {
    await t.test(c.path, async (t) => {
      const { id } = await post(app, c.path, await c.create(app));
      const url = `/v1/${c.path}/${id}`;
      const first = (await get(app, url, auth)).headers.etag as string;
      const patched = await app.inject({ method: 'PATCH', url, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: renames[c.path as keyof typeof renames] });
      t.equal(patched.statusCode, 200);
      t.equal((await app.inject({ method: 'DELETE', url, headers: auth })).statusCode, 204);
      t.equal((await app.inject({ method: 'POST', url: `${url}/restore`, headers: auth })).statusCode, 200);
      const restored = await get(app, url, auth);
      t.match(body(restored).data, renames[c.path as keyof typeof renames], 'back with its content as it was trashed');
      // create, update, delete, restore: four revisions.
      t.equal(body(restored).data.version, 4, 'at the number of its restore’s revision');
      for (const [what, tag] of [
        ['the first version', first],
        ['the patched version', patched.headers.etag as string],
      ] as const) {
        t.not(restored.headers.etag, tag, `a new ETag, not ${what}’s`);
        t.equal((await get(app, url, { ...auth, 'if-none-match': tag })).statusCode, 200, `a copy of ${what} is not current`);
        const write = await app.inject({ method: 'PATCH', url, headers: { ...auth, 'if-match': tag, 'content-type': 'application/merge-patch+json' }, payload: { slug: `${c.path}-x` } });
        t.equal(write.statusCode, 412, `a write conditional on ${what} fails`);
      }
      t.equal((await get(app, url, { ...auth, 'if-none-match': restored.headers.etag as string })).statusCode, 304, 'its own ETag is current');
    });
  }
});

/** A seeded article with curated mentions. */
async function curatedArticle(app: App): Promise<string> {
  const [{ article }] = (await readRows(app, sql<{ article: string }>`select article_id as article from mentions where origin = 'curated' order by id limit 1`)) as [{ article: string }];
  return article;
}

/** Per resource, the column of the facts tables that names its records. */
const factColumns = { articles: 'article_id', people: 'person_id', organisations: 'organisation_id', meetings: 'meeting_id' } as const;

t.test('each resource: a restore puts back the mentions and provenance that referenced the record, as they were', async (t) => {
  const app = await build(t, { apiTokens });
  const { person, meeting } = await seeded(app);
  const seedArticle = await curatedArticle(app);
  // A seeded organisation with mentions and provenance that a DELETE may take: no organisation's parent, no meeting's host.
  const [{ organisation }] = (await readRows(
    app,
    sql<{ organisation: string }>`select organisation_id as organisation from mentions where organisation_id in (select organisation_id from provenance)
         and organisation_id not in (select parent_id from organisations where parent_id is not null)
         and organisation_id not in (select host_organisation_id from meetings where host_organisation_id is not null)
       order by organisation_id limit 1`,
  )) as [{ organisation: string }];
  const ids = { people: person, organisations: organisation, meetings: meeting };
  // The seed's mentions are all curated: an article that names people gets automatic ones, which a relink writes again.
  const naming = await post(app, 'articles', { ...article('مقال-يسمي', {}), body: [{ type: 'paragraph', text: 'التقى صالح المربع بالعدواني' }] });
  t.ok(await countRows(app, sql`mentions where article_id = ${naming.id} and origin = 'auto'`), 'it has automatic mentions');
  // The whole tables: the trashed record's own rows and the rows of other records that referenced it.
  const rows = async () => ({ mentions: await readRows(app, sql`select * from mentions order by id`), provenance: await readRows(app, sql`select * from provenance order by id`) });
  const reads = async () => ({
    mentions: body(await get(app, `/v1/articles/${seedArticle}/mentions`, auth)).data,
    provenance: await Promise.all((['people', 'organisations', 'meetings'] as const).map(async (path) => body(await get(app, `/v1/${path}/${ids[path]}/provenance`, auth)).data)),
  });
  const trashed: Array<[keyof typeof factColumns, string]> = [
    ['articles', seedArticle],
    ['people', person],
    ['organisations', organisation],
    ['meetings', meeting],
    ['articles', naming.id],
  ];
  for (const [path, id] of trashed) {
    await t.test(`${path} ${id}`, async (t) => {
      const beforeRows = await rows();
      const beforeReads = await reads();
      const referencing = async () =>
        (await countRows(app, sql`mentions where ${sql.identifier(factColumns[path])} = ${id}`)) + (await countRows(app, sql`provenance where ${sql.identifier(factColumns[path])} = ${id}`));
      t.ok((await referencing()) > 0, 'facts reference it');

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${path}/${id}`, headers: auth })).statusCode, 204);
      t.equal(await referencing(), 0, 'the delete takes them away');
      t.equal((await app.inject({ method: 'POST', url: `/v1/${path}/${id}/restore`, headers: auth })).statusCode, 200);
      // A restored person or organisation relinks the articles that name it: let that run, it must change nothing.
      await storesOf(app.services).relinkJobs.runAll(jobsOf(app));

      t.same(await rows(), beforeRows, 'the facts tables hold what they held before, row for row');
      t.same(await reads(), beforeReads, 'mentions and provenance read as before');
    });
  }
});

t.test('mentions and quotes kept in the trash come back onto the article’s text as it was edited meanwhile, or without the spans whose text went', async (t) => {
  for (const noted of [true, false]) {
    await t.test(noted ? 'kept on a noted revision of the text: moved as the edit moved the text' : 'kept without one (before revisions were noted): none served at other words', async (t) => {
      const app = await build(t, { apiTokens });
      const { person } = await seeded(app);
      const [{ seedArticle }] = (await readRows(app, sql<{ seedArticle: string }>`select article_id as "seedArticle" from mentions where person_id = ${person} order by id limit 1`)) as [
        { seedArticle: string },
      ];
      const articleUrl = `/v1/articles/${seedArticle}`;
      type Span = { part: 'title' | 'body'; start: number | null; end: number | null; text: string };
      const article = async () => body(await get(app, articleUrl, auth)).data as { title: string; body_text: string; body: Array<{ type: string; text: string }> };
      const theirs = async (): Promise<{ mentions: Span[]; quotes: Span[] }> => ({
        mentions: (body(await get(app, `${articleUrl}/mentions`, auth)).data as Array<Span & { entity: { id: string } }>).filter((m) => m.entity.id === person),
        quotes: (body(await get(app, `/v1/people/${person}/provenance`, auth)).data as Array<Omit<Span, 'text'> & { quote: string | null; article_id: string | null }>)
          .filter((p) => p.article_id === seedArticle)
          .map(({ part, start, end, quote }) => ({ part, start, end, text: quote! })),
      });
      // The oracle: the served text, sliced here.
      const sliced = (texts: { title: string; body_text: string }, span: Span) => (span.part === 'title' ? texts.title : texts.body_text).slice(span.start!, span.end!);
      const before = await article();
      const kept = await theirs();
      for (const span of [...kept.mentions, ...kept.quotes]) t.equal(sliced(before, span), span.text, `before: «${span.text}» is where it says`);

      // The first paragraph gains words before the mentions in it, the second loses the name it held.
      const prefix = 'في يوم الأربعاء، ';
      const [first, second] = before.body;
      t.ok(first!.text.includes('اللواء علي العدواني') && second!.text.includes('اللواء العدواني'), 'the paragraphs name him');
      const replacement = 'استقبل الوكيل وفدا.';
      const edited = [{ ...first, text: `${prefix}${first!.text}` }, { ...second, text: replacement }, ...before.body.slice(2)];
      t.equal((await app.inject({ method: 'DELETE', url: `/v1/people/${person}`, headers: auth })).statusCode, 204);
      if (!noted) {
        const [stored] = (await readRows(app, sql<{ links: string }>`select cast(links as text) as links from trash where resource = 'people' and record_id = ${person}`)) as [{ links: string }];
        const links = JSON.parse(stored.links) as Array<{ textRevision?: number }>;
        t.ok(
          links.some((link) => link.textRevision !== undefined),
          'the trash noted the revisions',
        );
        for (const link of links) delete link.textRevision;
        await writeRows(app, sql`update trash set links = ${JSON.stringify(links)} where resource = 'people' and record_id = ${person}`);
      }
      const patched = await app.inject({ method: 'PATCH', url: articleUrl, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { body: edited } });
      t.equal(patched.statusCode, 200);
      t.equal((await app.inject({ method: 'POST', url: `/v1/people/${person}/restore`, headers: auth })).statusCode, 200);

      const after = await article();
      const secondStart = first!.text.length + 2;
      const secondEnd = secondStart + second!.text.length;
      const inFirst = (span: Span) => span.part === 'body' && span.start! < first!.text.length;
      const inSecond = (span: Span) => span.part === 'body' && span.start! >= secondStart && span.end! <= secondEnd;
      t.ok(kept.mentions.some(inFirst) && kept.quotes.some(inFirst), 'the edit moves mentions and quotes');
      t.ok(kept.mentions.some(inSecond) && kept.quotes.some(inSecond), 'and takes the words of some');
      t.ok(
        kept.mentions.some((span) => !inFirst(span) && !inSecond(span)),
        'and some lie outside the edited paragraphs',
      );
      for (const check of ['restored', 'relinked'] as const) {
        // The restore records relink jobs for his names: what linking finds again must not move them.
        if (check === 'relinked') await storesOf(app.services).relinkJobs.runAll(jobsOf(app));
        const back = await theirs();
        for (const span of [...back.mentions, ...back.quotes.filter((quote) => quote.start !== null)])
          t.equal(sliced(after, span), span.text, `${check}: «${span.text}» at [${span.start}, ${span.end}) is what the text holds there`);
        // Without the revision the spans were kept on, a restore can only check them against the text as it is.
        if (!noted) continue;
        // The body's text after the first paragraph moved by the prefix, and after the second by what it lost too.
        const shift = (span: Span) => (span.part === 'title' ? 0 : inFirst(span) ? prefix.length : prefix.length + replacement.length - second!.text.length);
        const moved = (span: Span) => ({ ...span, start: span.start! + shift(span), end: span.end! + shift(span) });
        t.same(back.mentions, kept.mentions.filter((span) => !inSecond(span)).map(moved), `${check}: the mentions moved with their words, those of the second paragraph are gone`);
        t.same(
          back.quotes,
          kept.quotes.map((span) => (inSecond(span) ? { ...span, start: null, end: null } : moved(span))),
          `${check}: the quotes moved with their words, those whose words went kept without a place`,
        );
      }
    });
  }
});

t.test('an article restored from an older revision gets back the mentions and quotes of it on that revision’s text', async (t) => {
  const app = await build(t, { apiTokens });
  const seedArticle = await curatedArticle(app);
  const articleUrl = `/v1/articles/${seedArticle}`;
  const mentionsAndQuotes = async () => ({
    // An ordinary edit writes curated mentions again, under new ids: their content is what stays.
    mentions: await readRows(app, sql`select part, start, "end", text, person_id, organisation_id, meeting_id, origin from mentions where article_id = ${seedArticle} order by part, start`),
    quotes: await readRows(app, sql`select * from provenance where article_id = ${seedArticle} order by id`),
  });
  const seededFacts = await mentionsAndQuotes();
  const { body: blocks } = body(await get(app, articleUrl, auth)).data as { body: Array<{ text: string }> };
  // Revision 2 has words before everything: an ordinary edit moves every span of the body.
  const patched = await app.inject({
    method: 'PATCH',
    url: articleUrl,
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
    payload: { body: [{ type: 'paragraph', text: 'تمهيد أول.' }, { type: 'paragraph', text: 'تمهيد ثان.' }, ...blocks] },
  });
  t.equal(patched.statusCode, 200);
  t.not(JSON.stringify(await mentionsAndQuotes()), JSON.stringify(seededFacts), 'the edit moved the spans');
  t.equal((await app.inject({ method: 'DELETE', url: articleUrl, headers: auth })).statusCode, 204);
  t.equal((await app.inject({ method: 'POST', url: `${articleUrl}/revisions/1/restore`, headers: auth })).statusCode, 200, 'revision 1 restored');
  t.same(await mentionsAndQuotes(), seededFacts, 'on revision 1’s text, the spans are where the seed put them');
});

t.test('a kept mention whose id was taken since comes back under a new id, the row holding it untouched', async (t) => {
  const app = await build(t, { apiTokens });
  const { person, otherPerson } = await seeded(app);
  const [kept] = (await readRows(app, sql<Record<string, unknown>>`select * from mentions where person_id = ${person} order by id limit 1`)) as [Record<string, unknown>];
  await app.inject({ method: 'DELETE', url: `/v1/people/${person}`, headers: auth });
  // A row written with an explicit id (a bulk load may) holds the kept mention's id.
  await writeRows(app, sql`insert into mentions (id, article_id, part, start, "end", text, person_id, origin) values (${kept.id}, ${kept.article_id}, 'title', 0, 1, 'x', ${otherPerson}, 'curated')`);
  t.equal((await app.inject({ method: 'POST', url: `/v1/people/${person}/restore`, headers: auth })).statusCode, 200);
  const { id, ...content } = kept;
  t.match(await readRows(app, sql`select * from mentions where id = ${id}`), [{ person_id: otherPerson, text: 'x' }], 'the usurper keeps its id');
  const back = await readRows(app, sql<Record<string, unknown>>`select * from mentions where person_id = ${person} and part = ${kept.part} and start = ${kept.start}`);
  t.equal(back.length, 1);
  const { id: newId, ...restored } = back[0]!;
  t.not(newId, id, 'under a new id');
  t.same(restored, content, 'otherwise as it was');
});

t.test('a restore fails cleanly when its slug is taken or a record it references is gone, and leaves it in the trash', async (t) => {
  const app = await build(t, { apiTokens });
  const person = await post(app, 'people', { slug: 'شخص-عائد', name: 'شخص عائد' });
  await app.inject({ method: 'DELETE', url: `/v1/people/${person.id}`, headers: auth });
  const usurper = await post(app, 'people', { slug: 'شخص-عائد', name: 'آخر' });
  const taken = await app.inject({ method: 'POST', url: `/v1/people/${person.id}/restore`, headers: auth });
  t.equal(taken.statusCode, 409);
  t.match(taken.headers['content-type'], /^application\/problem\+json/);
  t.equal(body(taken).code, 'slug_taken');
  t.match(body(await get(app, '/v1/people/trash', auth)).data, [{ id: person.id }], 'still in the trash');
  await app.inject({ method: 'DELETE', url: `/v1/people/${usurper.id}`, headers: auth });
  t.equal((await app.inject({ method: 'POST', url: `/v1/people/${person.id}/restore`, headers: auth })).statusCode, 200, 'restored once the slug is free');

  const organisation = await post(app, 'organisations', { slug: 'هيئة-زائلة', name: 'هيئة زائلة', kind: 'agency' });
  const member = await post(app, 'people', { slug: 'عضو-زائل', name: 'عضو', affiliations: [{ organisation_id: organisation.id }] });
  await app.inject({ method: 'DELETE', url: `/v1/people/${member.id}`, headers: auth });
  await app.inject({ method: 'DELETE', url: `/v1/organisations/${organisation.id}`, headers: auth });
  await app.inject({ method: 'DELETE', url: `/v1/organisations/${organisation.id}/trash`, headers: admin });
  const gone = await app.inject({ method: 'POST', url: `/v1/people/${member.id}/restore`, headers: auth });
  t.equal(gone.statusCode, 422);
  t.match(body(gone), { code: 'unknown_reference', errors: [{ path: 'affiliations.0.organisation_id' }] });
  t.match(body(await get(app, '/v1/people/trash', auth)).data, [{ id: member.id }], 'still in the trash');
});

t.test('a link whose place in its list was taken since comes back at the end of the list', async (t) => {
  const app = await build(t, { apiTokens });
  const { person, otherPerson } = await seeded(app);
  const trashed = await post(app, 'people', { slug: 'شخص-متنقل', name: 'شخص' });
  const linking = await post(app, 'articles', article('مقال-متغير', { person_ids: [person, trashed.id, otherPerson] }));
  await app.inject({ method: 'DELETE', url: `/v1/people/${trashed.id}`, headers: auth });
  // A PATCH writes the article's list again, [person, otherPerson] at places 0 and 1.
  await app.inject({ method: 'PATCH', url: `/v1/articles/${linking.id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { title: 'عنوان آخر' } });
  await app.inject({ method: 'POST', url: `/v1/people/${trashed.id}/restore`, headers: auth });
  t.same(body(await get(app, `/v1/articles/${linking.id}`, auth)).data.person_ids, [person, otherPerson, trashed.id]);
});

t.test('the trash lists newest first in pages; a cursor it did not issue is a 400', async (t) => {
  const app = await build(t, { apiTokens });
  const ids: string[] = [];
  for (const n of ['أولى', 'ثانية', 'ثالثة']) {
    const { id } = await post(app, 'organisations', { slug: `هيئة-${n}`, name: `هيئة ${n}`, kind: 'agency' });
    await app.inject({ method: 'DELETE', url: `/v1/organisations/${id}`, headers: auth });
    ids.push(id);
  }
  const first = body(await get(app, '/v1/organisations/trash?limit=2', auth));
  t.same(
    first.data.map((r: { id: string }) => r.id),
    [ids[2], ids[1]],
  );
  t.ok(first.links.next);
  const second = body(await get(app, first.links.next, auth));
  t.same(
    second.data.map((r: { id: string }) => r.id),
    [ids[0]],
  );
  t.equal(second.meta.next_cursor, null);
  for (const cursor of ['nonsense', Buffer.from('["x","y"]').toString('base64url')]) {
    const bad = await get(app, `/v1/organisations/trash?cursor=${cursor}`, auth);
    t.equal(bad.statusCode, 400, cursor);
    t.equal(body(bad).code, 'validation_failed');
  }
  const read = await get(app, `/v1/organisations/${ids[0]}/trash`, auth);
  t.equal(read.statusCode, 405, 'one trashed record is purged, not read (its content is its last revision)');
  t.equal(read.headers.allow, 'OPTIONS, DELETE');
  const reserved = await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'trash', name: 'سلة', kind: 'agency' } });
  t.equal(reserved.statusCode, 400, 'no record may take the slug `trash`');
});

t.test('an admin empties a resource’s trash, the longest trashed first, at most `limit` records a request', async (t) => {
  const app = await build(t, { apiTokens });
  const trashed = async (path: string, payload: Record<string, unknown>) => {
    const { id } = await post(app, path, payload);
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/${path}/${id}`, headers: auth })).statusCode, 204);
    return id;
  };
  const ids: string[] = [];
  for (const n of ['أول', 'ثان', 'ثالث']) ids.push(await trashed('people', { slug: `شخص-${n}`, name: `شخص ${n}` }));
  const organisation = await trashed('organisations', { slug: 'هيئة-باقية', name: 'هيئة باقية', kind: 'agency' });
  const listed = async (path: string) => (body(await get(app, `/v1/${path}/trash?limit=100`, auth)).data as Array<{ id: string }>).map((r) => r.id);
  const empty = (query: string, headers: Record<string, string>) => app.inject({ method: 'DELETE', url: `/v1/people/trash${query}`, headers });

  for (const [who, headers] of [
    ['an editor', auth],
    ['a preview token', preview],
  ] as const) {
    const refused = await empty('', headers);
    t.equal(refused.statusCode, 403, `${who} cannot empty it`);
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.equal(body(refused).code, 'forbidden');
  }
  t.equal((await empty('', {})).statusCode, 401, 'nor can the public');
  t.same(await listed('people'), [...ids].reverse(), 'the refusals purged nothing');
  for (const limit of ['0', '1001', 'all']) {
    const bad = await empty(`?limit=${limit}`, admin);
    t.equal(bad.statusCode, 400, `limit=${limit}`);
    t.equal(body(bad).code, 'validation_failed');
  }

  const first = await empty('?limit=2', admin);
  t.equal(first.statusCode, 200);
  t.same(body(first), { data: { purged: 2, remaining: 1 } }, 'two purged, one left');
  t.same(await listed('people'), [ids[2]], 'the two trashed first are gone');
  t.same(body(await empty('', admin)), { data: { purged: 1, remaining: 0 } }, 'the rest');
  t.same(await listed('people'), [], 'the trash is empty');
  for (const id of ids) {
    t.same(await actionsOf(app, id), ['created', 'trashed', 'purged'], 'a purged event each');
    t.equal((await get(app, `/v1/people/${id}/revisions`, auth)).statusCode, 404, 'its revisions are erased');
  }
  t.same(await listed('organisations'), [organisation], 'another resource’s trash is left alone');
  t.same(body(await empty('', admin)), { data: { purged: 0, remaining: 0 } }, 'an empty trash purges nothing');
});

t.test('an emptying purges its limit across batches of the retention job’s size', async (t) => {
  const app = await build(t, { apiTokens });
  // 120 records: one request of limit 110 takes three batches of at most 50 (50, 50, 10).
  for (let n = 0; n < 120; n++) {
    const { id } = await post(app, 'meetings', { slug: `لقاء-${n}`, title: 'لقاء', status: 'planned' });
    await app.inject({ method: 'DELETE', url: `/v1/meetings/${id}`, headers: auth });
  }
  const empty = (query: string) => app.inject({ method: 'DELETE', url: `/v1/meetings/trash${query}`, headers: admin });
  t.same(body(await empty('?limit=110')), { data: { purged: 110, remaining: 10 } });
  t.same(body(await empty('')), { data: { purged: 10, remaining: 0 } });
  t.same(body(await get(app, '/v1/meetings/trash', auth)).data, []);
});

t.test('retention: records trashed more than the retention before now are purged, a bounded batch per call', async (t) => {
  const app = await build(t, { apiTokens });
  const purge = (at: number) => purgeExpired(jobsOf(app), at, 30, 2);
  const ids: string[] = [];
  for (const n of ['أ', 'ب', 'ج']) {
    const { id } = await post(app, 'meetings', { slug: `لقاء-${n}`, title: 'لقاء', status: 'planned' });
    await app.inject({ method: 'DELETE', url: `/v1/meetings/${id}`, headers: auth });
    ids.push(id);
  }
  const now = Date.now();
  t.equal(await purge(now + 29 * day), 0, 'nothing before its time');
  t.equal(await purge(now + 31 * day), 2, 'a batch');
  t.equal(await purge(now + 31 * day), 1, 'the rest');
  t.equal(await purge(now + 31 * day), 0, 'then nothing');
  for (const id of ids) t.same((await actionsOf(app, id)).slice(-1), ['purged'], 'one purged event each');
  t.same(body(await get(app, '/v1/meetings/trash', auth)).data, []);
});

t.test('retention: the server purges in the background, by its clock and TRASH_RETENTION_DAYS', async (t) => {
  const config = testConfig({ apiTokens, databaseUrl: await sharedDatabase(t), trashRetentionDays: 7 });
  const first = await buildApp(config);
  const { id } = await post(first, 'organisations', { slug: 'هيئة-قديمة', name: 'هيئة قديمة', kind: 'agency' });
  await first.inject({ method: 'DELETE', url: `/v1/organisations/${id}`, headers: auth });
  await first.close();

  const later = await buildApp(config, { clock: () => Date.now() + 8 * day });
  t.teardown(() => later.close());
  let listed: unknown[] = [{}];
  for (let tries = 0; tries < 100 && listed.length > 0; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    listed = body(await get(later, '/v1/organisations/trash', auth)).data;
  }
  t.same(listed, [], 'purged eight days on');
  t.same((await actionsOf(later, id)).slice(-1), ['purged']);
});
