import t from 'tap';
import { auth, body, build } from '../helper.js';

// The server's clock for what the public sees: moved by the test, so a scheduled article's time comes without sleeping.
const start = Date.parse('2026-06-01T12:00:00.000Z');
let clock = start;
const scheduledAt = '2026-06-01T12:00:20.000Z';
const afterSchedule = start + 60_000;

type Kind = 'draft' | 'archived' | 'scheduled' | 'published';
// Each article's title holds a word no other record has, so a search for it finds that article alone.
const articles: Record<Kind, { word: string; status: string; published_at: string | null }> = {
  draft: { word: 'زبرجد', status: 'draft', published_at: null },
  archived: { word: 'فيروزج', status: 'archived', published_at: '2026-01-01T00:00:00.000Z' },
  scheduled: { word: 'مرجان', status: 'published', published_at: scheduledAt },
  published: { word: 'كهرمان', status: 'published', published_at: '2026-05-01T00:00:00.000Z' },
};
const kinds = Object.keys(articles) as Kind[];

// The oracle, by hand: a public reader sees a published article whose time has come; a token reader sees every one.
const publicSees = (kind: Kind, late: boolean) => kind === 'published' || (kind === 'scheduled' && late);

t.test('every read path, with and without a token, before and after a scheduled publication', async (t) => {
  const app = await build(t, {}, { clock: () => clock });
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });
  const seeded = body(await get('/v1/articles?limit=1')).data[0];
  const [person] = seeded.person_ids;
  const [organisation] = seeded.organisation_ids;
  const [meeting] = seeded.meeting_ids;

  const ids = {} as Record<Kind, string>;
  for (const kind of kinds) {
    const { word, status, published_at } = articles[kind];
    const created = await app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: auth,
      payload: {
        slug: `مقال-${word}`,
        title: `${word} في اجتماع الداخلية`,
        language: 'ar',
        body: [{ type: 'paragraph', text: `التقى علي العدواني وفد ${word}.` }],
        status,
        published_at,
        person_ids: [person],
        organisation_ids: [organisation],
        meeting_ids: [meeting],
      },
    });
    t.equal(created.statusCode, 201, `${kind} created`);
    ids[kind] = body(created).data.id;
  }

  // Before any public read is cached: a public page's ETag and Cache-Control while the article is scheduled.
  const early = await get('/v1/articles?limit=100');
  t.match(early.headers['cache-control'], /^public, max-age=20, stale-while-revalidate=0$/, 'max-age ends when the scheduled article is due');
  const earlyTag = early.headers.etag as string;

  for (const late of [false, true]) {
    clock = late ? afterSchedule : start;
    for (const token of [false, true]) {
      const headers = token ? auth : {};
      const who = `${token ? 'token' : 'public'}${late ? ', after the scheduled time' : ''}`;
      const listed = async (url: string, pick: (json: any) => string[]) => pick(body(await get(url, headers)));
      const articleList = await listed('/v1/articles?limit=100', (json) => json.data.map((a: { id: string }) => a.id));
      const total = body(await get('/v1/articles?limit=1', headers)).meta.total;
      const aboutPerson = await listed(`/v1/articles?limit=100&filter[person][eq]=${person}`, (json) => json.data.map((a: { id: string }) => a.id));
      const personArticles = await listed(`/v1/people/${person}?include=articles`, (json) => json.data.articles.map((a: { id: string }) => a.id));
      const organisationArticles = await listed(`/v1/organisations?limit=100&include=articles&filter[id][eq]=${organisation}`, (json) => json.data[0].articles.map((a: { id: string }) => a.id));
      const meetingRecord = body(await get(`/v1/meetings/${meeting}?include=articles`, headers)).data;
      const meetingJsonLd = body(await get(`/v1/meetings/${meeting}?format=jsonld`, headers));
      const expectedTotal = 1 + kinds.filter((kind) => token || publicSees(kind, late)).length;
      t.equal(total, expectedTotal, `${who}: list total`);

      for (const kind of kinds) {
        const id = ids[kind];
        const sees = token || publicSees(kind, late);
        const what = `${who}: ${kind}`;
        t.equal((await get(`/v1/articles/${id}`, headers)).statusCode, sees ? 200 : 404, `${what} by id`);
        t.equal((await get(`/v1/articles/${encodeURIComponent(`مقال-${articles[kind].word}`)}`, headers)).statusCode, sees ? 200 : 404, `${what} by slug`);
        t.equal((await get(`/v1/articles/${id}?format=jsonld`, headers)).statusCode, sees ? 200 : 404, `${what} as JSON-LD`);
        t.equal((await get(`/v1/articles/${id}?format=ninjs`, headers)).statusCode, sees ? 200 : 404, `${what} as ninjs`);
        t.equal((await get(`/v1/articles/${id}/mentions`, headers)).statusCode, sees ? 200 : 404, `${what} mentions`);
        t.equal(articleList.includes(id), sees, `${what} in the list`);
        t.equal(aboutPerson.includes(id), sees, `${what} in a filtered list`);
        t.equal(personArticles.includes(id), sees, `${what} in a person's include=articles`);
        t.equal(organisationArticles.includes(id), sees, `${what} in an organisation list's include=articles`);
        t.equal(meetingRecord.article_ids.includes(id), sees, `${what} in a meeting's article_ids`);
        t.equal(
          meetingRecord.articles.some((a: { id: string }) => a.id === id),
          sees,
          `${what} in a meeting's include=articles`,
        );
        t.equal(JSON.stringify(meetingJsonLd).includes(id), sees, `${what} in a meeting's JSON-LD`);
        const word = encodeURIComponent(articles[kind].word);
        const found = body(await get(`/v1/search?q=${word}`, headers)).data;
        t.same(
          found.map((r: { id: string }) => r.id),
          sees ? [id] : [],
          `${what} in search results (and their snippets)`,
        );
        const searchedList = body(await get(`/v1/articles?q=${word}`, headers));
        t.same([searchedList.data.map((a: { id: string }) => a.id), searchedList.meta.total], sees ? [[id], 1] : [[], 0], `${what} in a list's q= and its total`);
      }
    }
  }

  // The public page cached before the scheduled time is neither served again nor confirmed by a 304.
  const late = await get('/v1/articles?limit=100', { 'if-none-match': earlyTag });
  t.equal(late.statusCode, 200, 'the old ETag no longer matches once the scheduled article is due');
  t.not(late.headers.etag, earlyTag);
  t.ok(
    body(late).data.some((a: { id: string }) => a.id === ids.scheduled),
    'the page shows the article',
  );
  t.equal(late.headers['cache-control'], 'public, max-age=30, stale-while-revalidate=60', 'no publication ahead: the configured max-age');
  const tokenPage = await get('/v1/articles?limit=100', auth);
  t.equal(tokenPage.headers['cache-control'], 'private, no-store', 'a token read is never stored');
});

t.test('publishing a draft dates it now unless it is given a date; a write without status publishes', async (t) => {
  const app = await build(t, {}, { clock: () => start });
  const write = (method: 'POST' | 'PATCH', url: string, payload: object) =>
    app.inject({ method, url, headers: { ...auth, 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }, payload });
  const article = (slug: string, extra: object) => ({ slug, title: `عنوان ${slug}`, language: 'ar', body: [{ type: 'paragraph', text: 'نص' }], ...extra });

  const draft = body(await write('POST', '/v1/articles', article('مسودة', { status: 'draft' }))).data;
  t.same([draft.status, draft.published_at], ['draft', null], 'a draft keeps no date');
  const before = new Date().toISOString();
  const published = body(await write('PATCH', `/v1/articles/${draft.id}`, { status: 'published' })).data;
  const after = new Date().toISOString();
  t.equal(published.status, 'published');
  t.ok(published.published_at >= before && published.published_at <= after, `dated when published: ${published.published_at}`);

  const dated = body(await write('POST', '/v1/articles', article('مسودة-مؤرخة', { status: 'draft', published_at: '2026-06-02T08:00:00.000Z' }))).data;
  const scheduled = body(await write('PATCH', `/v1/articles/${dated.id}`, { status: 'published' })).data;
  t.equal(scheduled.published_at, '2026-06-02T08:00:00.000Z', 'a date given before is kept: the article is scheduled');
  t.equal((await app.inject({ url: `/v1/articles/${dated.id}` })).statusCode, 404, 'and the public does not see it yet');

  const plain = body(await write('POST', '/v1/articles', article('بلا-حالة', {}))).data;
  t.same([plain.status, plain.published_at], ['published', null], 'left out, status is published and the date stays unset');

  const drafts = body(await app.inject({ url: '/v1/articles?filter[status][eq]=draft', headers: auth })).data;
  t.same(
    drafts.map((a: { id: string }) => a.id),
    [],
    'no draft is left',
  );
  const archived = body(await write('PATCH', `/v1/articles/${plain.id}`, { status: 'archived' })).data;
  t.equal(archived.published_at, null, 'archiving leaves the date');
  const byStatus = body(await app.inject({ url: '/v1/articles?filter[status][eq]=archived', headers: auth })).data;
  t.same(
    byStatus.map((a: { id: string }) => a.id),
    [plain.id],
    'a token reader filters by status',
  );
  t.same(body(await app.inject({ url: '/v1/articles?filter[status][eq]=archived' })).data, [], 'the public filter finds none');
});

t.test("provenance: the public sees the quotes of public articles only, a token reader every article's", async (t) => {
  const app = await build(t);
  const quotes = async (headers: Record<string, string>) => {
    const response = await app.inject({ url: '/v1/people/علي-العدواني/provenance', headers });
    t.equal(response.statusCode, 200);
    return (body(response).data as Array<{ article_id: string | null }>).filter((row) => row.article_id !== null).length;
  };
  // The seed's report states the person's values: quotes of it, while it is public.
  const before = await quotes({});
  t.ok(before > 0, `the seeded report's quotes are public (${before})`);
  const seeded = body(await app.inject({ url: '/v1/articles?limit=1' })).data[0];
  const unpublish = await app.inject({
    method: 'PATCH',
    url: `/v1/articles/${seeded.id}`,
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
    payload: { status: 'draft' },
  });
  t.equal(unpublish.statusCode, 200, 'the report back to draft');
  t.equal(await quotes({}), 0, 'no quote of a draft to the public');
  t.equal(await quotes(auth), before, 'a token reader still sees them');
});

t.test('a public page past more drafts than a page examines still holds the published articles, and no cursor carries a draft', async (t) => {
  const app = await build(t);
  // Drafts sorted before the seeded report by title ('أ' < every word of it): a page by title meets them first.
  for (let i = 0; i < 2_100; i++) {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: auth,
      payload: { slug: `مسودة-${i}`, title: `أ مسودة سرية ${i}`, language: 'ar', status: 'draft', body: [{ type: 'paragraph', text: 'نص' }] },
    });
    if (created.statusCode !== 201) t.fail(`draft ${i}: ${created.statusCode}`);
  }
  // By title, newest first (the drafts are newer), and with a filter no index answers (the page walks the sort order).
  for (const url of ['/v1/articles?sort=title&limit=3', '/v1/articles?limit=3', '/v1/articles?sort=title&filter[language][ne]=en&limit=3']) {
    const page = body(await app.inject({ url }));
    t.same(
      page.data.map((article: { slug: string }) => article.slug),
      ['العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز'],
      `${url}: the seeded report, the one public article`,
    );
    t.same([page.meta.total, page.meta.total_relation], [1, 'eq'], `${url}: an exact total, with no hint of hidden rows`);
    t.equal(page.meta.next_cursor, null, `${url}: no cursor (none from a draft)`);
  }
});
