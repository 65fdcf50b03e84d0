import { sql } from 'drizzle-orm';
import type { Test } from 'tap';
import t from 'tap';
import { engineUnder, storesOf } from '../../src/core/db/handles.js';
import { statement } from '../../src/core/db/statements.js';
import { setCuratedMentions } from '../../src/core/facts/mentions.js';
import { mentions as mentionsTable, provenance as provenanceTable } from '../../src/core/facts/table.js';
import type { App } from '../../src/web/app.js';
import { auth, body, build, countRows, readRows, recordStatements, sharedDatabase, writeRows } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const seededSlug = 'العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز';
const url = (path: string) => path.split('/').map(encodeURIComponent).join('/');

async function get(app: App, path: string) {
  const response = await app.inject({ url: url(path) });
  return { status: response.statusCode, ...body(response) };
}

const textOf = (article: any, part: 'title' | 'body') => (part === 'title' ? article.title : article.body_text);

/** Asserts every span indexes its own text in the article, and returns the spans. */
function checkSpans(t: Test, article: any, spans: any[], key: 'text' | 'quote') {
  for (const span of spans) {
    if (span.start === null) continue;
    t.equal(textOf(article, span.part).slice(span.start, span.end), span[key], `${span.part} [${span.start}, ${span.end}) is «${span[key]}»`);
  }
  return spans;
}

/** The non-null leaves of a record, as `field.path` → value. */
function leaves(value: unknown, path = ''): Array<[string, unknown]> {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, `${path}.${i}`));
  if (typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, path ? `${path}.${k}` : k));
  return [[path, value]];
}

const at = (record: unknown, path: string) => path.split('.').reduce<any>((value, key) => value?.[key], record);
const notFacts = new Set(['id', 'slug', 'version', 'created_at', 'updated_at', 'members', 'article_ids']);

t.test('the seed records every mention of every seeded entity, with offsets into the text', async (t) => {
  const app = await build(t);
  const article = (await get(app, `/v1/articles/${seededSlug}`)).data;
  const mentions = checkSpans(t, article, (await get(app, `/v1/articles/${seededSlug}/mentions`)).data, 'text');

  t.ok(
    mentions.every((m: any) => m.origin === 'curated'),
    'all curated',
  );
  const order = mentions.map((m: any) => [m.part === 'title' ? 0 : 1, m.start]);
  t.same(
    order,
    [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    'in text order, title first',
  );
  const bySlug = (slug: string) => mentions.filter((m: any) => m.entity.slug === slug).map((m: any) => `${m.part}:${m.text}`);
  t.same(bySlug('علي-العدواني'), ['title:العدواني', 'body:اللواء علي العدواني', 'body:اللواء العدواني', 'body:وكيل وزارة الداخلية الكويتي']);
  t.same(bySlug('صالح-المربع'), ['body:اللواء صالح المربع']);
  t.same(bySlug('وزارة-الداخلية-السعودية'), ['title:«الداخلية» السعودية', 'body:وزارة الداخلية السعودية']);
  t.same(bySlug('وزارة-الداخلية-الكويتية'), ['body:وزارة الداخلية', 'body:وزارة الداخلية', 'body:وزارة الداخلية الكويتية', 'body:وزارة الداخلية الكويتية']);
  t.same(bySlug('وكالة-وزارة-الداخلية-للأحوال-المدنية'), ['body:وكالة وزارة الداخلية للأحوال المدنية السعودية']);
  t.same(
    bySlug(seededSlug),
    ['اجتماعًا', 'اللقاء', 'الزيارة', 'الاجتماع', 'الزيارة', 'الاجتماع'].map((w) => `body:${w}`),
    'the meeting',
  );
  t.equal(mentions.length, 18);
  const meeting = mentions.find((m: any) => m.entity.type === 'meeting').entity;
  t.equal(meeting.name, article.title, "a meeting's name is its title");
  const adwani = mentions.find((m: any) => m.entity.slug === 'علي-العدواني').entity;
  t.match(adwani, { type: 'person', name: 'علي العدواني', id: /^[0-9a-f-]{36}$/ });

  // Every place the text uses a seeded name or alias lies inside a mention of that entity.
  for (const kind of ['people', 'organisations']) {
    for (const record of (await get(app, `/v1/${kind}`)).data) {
      for (const name of [record.name, ...record.aliases]) {
        for (const part of ['title', 'body'] as const) {
          const text = textOf(article, part);
          for (let i = text.indexOf(name); i !== -1; i = text.indexOf(name, i + 1)) {
            const covering = mentions.find((m: any) => m.part === part && m.start <= i && m.end >= i + name.length);
            t.equal(covering?.entity.id, record.id, `«${name}» at ${part} ${i} is a mention of ${record.slug}`);
          }
        }
      }
    }
  }
  t.equal((await get(app, '/v1/articles/no-such-article/mentions')).status, 404);
});

t.test('every seeded value carries the quote that supports it', async (t) => {
  const app = await build(t);
  const article = (await get(app, `/v1/articles/${seededSlug}`)).data;
  for (const kind of ['people', 'organisations', 'meetings']) {
    for (const record of (await get(app, `/v1/${kind}`)).data) {
      const response = await get(app, `/v1/${kind}/${record.slug}/provenance`);
      t.equal(response.status, 200);
      const records = checkSpans(t, article, response.data, 'quote');
      for (const p of records) {
        t.match(p, { article_id: article.id, writer: null, part: /^(title|body)$/, recorded_at: /Z$/ }, `${record.slug} ${p.field}: quoted`);
        t.same(p.value, at(record, p.field), `${record.slug} ${p.field}: the value is the stored one`);
        if (typeof p.value === 'string' && !/^[A-Z]{2}$|^[a-z]+$|-/.test(p.value)) t.ok(p.quote.includes(p.value), `${p.field}: in its quote`);
      }
      for (const [path] of leaves(record).filter(([path]) => !notFacts.has(path.split('.')[0]!))) {
        t.ok(
          records.some((p: any) => path === p.field || path.startsWith(`${p.field}.`)),
          `${kind} ${record.slug}: ${path} has provenance`,
        );
      }
    }
  }
  t.equal((await get(app, '/v1/meetings/no-such-meeting/provenance')).status, 404);
  // One route serves the three: articles have mentions, not provenance, and are no route here, as before.
  const articleProvenance = await get(app, `/v1/articles/${seededSlug}/provenance`);
  t.same([articleProvenance.status, articleProvenance.code], [404, 'route_not_found'], 'an article has no provenance route');
});

t.test('values written through the API carry the writer and the time instead of a quote', async (t) => {
  const app = await build(t);
  const before = (await get(app, '/v1/people/علي-العدواني/provenance')).data;
  const patched = await app.inject({
    method: 'PATCH',
    url: url('/v1/people/علي-العدواني'),
    headers: json,
    payload: { honorific: 'الفريق', aliases: ['العدواني', 'أبو علي'] },
  });
  t.equal(patched.statusCode, 200);
  const after = (await get(app, '/v1/people/علي-العدواني/provenance')).data;
  const of = (list: any[], field: string) => list.filter((p) => p.field === field || p.field.startsWith(`${field}.`));
  t.match(of(after, 'honorific'), [{ field: 'honorific', value: 'الفريق', writer: 'test-editor', quote: null, article_id: null, start: null }]);
  t.match(of(after, 'aliases'), [{ field: 'aliases', value: ['العدواني', 'أبو علي'], writer: 'test-editor' }], 'the new list replaces the quoted items');
  t.same(of(after, 'name'), of(before, 'name'), 'unchanged fields keep their quotes');
  t.ok(of(after, 'honorific')[0].recorded_at >= of(before, 'name')[0].recorded_at);

  const created = body(await app.inject({ method: 'POST', url: '/v1/organisations', headers: json, payload: { slug: 'مجلس-التعاون', name: 'مجلس التعاون', kind: 'other', country: null } })).data;
  const provenance = (await get(app, `/v1/organisations/${created.id}/provenance`)).data;
  t.same(
    provenance.map((p: any) => [p.field, p.value, p.writer]),
    [
      ['name', 'مجلس التعاون', 'test-editor'],
      ['kind', 'other', 'test-editor'],
    ],
    'a create records its non-empty fields',
  );

  await app.inject({ method: 'DELETE', url: `/v1/organisations/${created.id}`, headers: auth });
  t.equal(await countRows(app, sql`provenance where organisation_id = ${created.id}`), 0, 'deleting the record deletes its provenance');
});

t.test('mentions and quotes stay on their text when the article changes', async (t) => {
  const app = await build(t);
  const article = (await get(app, `/v1/articles/${seededSlug}`)).data;
  const before = (await get(app, `/v1/articles/${seededSlug}/mentions`)).data;
  const body0 = article.body;
  const edited = [{ type: 'paragraph', text: 'مقدمة جديدة: التقى والعدواني بوفد من وزارة الداخليه السعوديه.' }, ...body0.filter((block: any) => !block.text.includes('صالح المربع'))];
  const patched = await app.inject({ method: 'PATCH', url: url(`/v1/articles/${seededSlug}`), headers: json, payload: { body: edited } });
  t.equal(patched.statusCode, 200);
  const updated = body(patched).data;
  const after = checkSpans(t, updated, (await get(app, `/v1/articles/${seededSlug}/mentions`)).data, 'text');

  const curated = after.filter((m: any) => m.origin === 'curated');
  const removedParagraph = body0.find((block: any) => block.text.includes('صالح المربع')).text;
  const inRemoved = ['اللواء العدواني', 'وزارة الداخلية', 'وكالة وزارة الداخلية للأحوال المدنية السعودية', 'اللواء صالح المربع', 'الزيارة', 'وزارة الداخلية الكويتية'];
  t.ok(inRemoved.every((text) => removedParagraph.includes(text)));
  t.equal(curated.length, before.length - inRemoved.length, 'the six mentions of the removed paragraph are dropped');
  t.same(
    curated.map((m: any) => m.text),
    before.map((m: any) => m.text).filter((_: string, i: number) => i < 7 || i >= 7 + inRemoved.length),
    'the others are kept, in order',
  );
  t.same(
    after.filter((m: any) => m.origin === 'auto').map((m: any) => [m.text, m.entity.slug]),
    [
      ['العدواني', 'علي-العدواني'],
      ['وزارة الداخليه السعوديه', 'وزارة-الداخلية-السعودية'],
    ],
    'the new paragraph is linked automatically',
  );
  t.equal(after.filter((m: any) => m.part === 'title').length, 2, 'the title did not change: its mentions stay');

  const provenance = (await get(app, '/v1/people/علي-العدواني/provenance')).data;
  checkSpans(t, updated, provenance, 'quote');
  const murabba = (await get(app, '/v1/people/صالح-المربع/provenance')).data;
  t.ok(
    murabba.some((p: any) => p.quote === 'اللواء صالح المربع' && p.start === null && p.article_id === updated.id),
    'a quote whose text is gone keeps null offsets',
  );

  const retitled = await app.inject({ method: 'PATCH', url: url(`/v1/articles/${seededSlug}`), headers: json, payload: { title: 'اجتماع أمني' } });
  t.equal(retitled.statusCode, 200);
  const titleMentions = (await get(app, `/v1/articles/${seededSlug}/mentions`)).data.filter((m: any) => m.part === 'title');
  t.same(titleMentions, [], 'title mentions whose text is gone are dropped');
});

/** The PATCH of an article's summary alone, which leaves its title and body as they were. */
const patchSummary = async (app: App) => (await app.inject({ method: 'PATCH', url: url(`/v1/articles/${seededSlug}`), headers: json, payload: { summary: 'ملخص آخر' } })).statusCode;

t.test('a change that leaves the title and body as they were leaves every mention and quote row as it was', async (t) => {
  const app = await build(t);
  // With their ids: a row deleted and inserted again would take the next id of its table's sequence, on either engine.
  const rows = async () => ({
    mentions: await readRows(app, statement.select().from(mentionsTable).orderBy(mentionsTable.id)),
    provenance: await readRows(app, statement.select().from(provenanceTable).orderBy(provenanceTable.id)),
  });
  const before = await rows();
  t.ok(before.mentions.length > 0 && before.provenance.length > 0, 'the seed has mentions and quotes');
  t.equal(await patchSummary(app), 200);
  t.same(await rows(), before, 'the same rows, ids and spans');
});

t.test('a change that leaves the title and body as they were writes no mention or quote row', async (t) => {
  const app = await build(t);
  const patched = await recordStatements(app, async () => t.equal(await patchSummary(app), 200));
  t.ok(
    patched.some((call) => /^\s*update\b.*\barticles\b/is.test(call.source)),
    'the statements recorded include the article written',
  );
  t.same(
    patched.filter((call) => /^\s*(insert|delete|update)\b.*\b(mentions|provenance)\b/is.test(call.source) && !/relink/i.test(call.source)).map((call) => call.source),
    [],
    'none of its mention and quote rows was written again',
  );
});

t.test('new articles are linked to known names and aliases; deleting an entity removes its mentions', async (t) => {
  // `build` waits for the server's first build of its name index, so the alias is followed as it is written.
  const app = await build(t);
  const murabba = (await get(app, '/v1/people/صالح-المربع')).data;
  await app.inject({ method: 'PATCH', url: `/v1/people/${murabba.id}`, headers: json, payload: { aliases: ['المربّع'] } });
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: json,
    payload: {
      slug: 'خبر-جديد',
      title: 'المربع يزور الكويت',
      language: 'ar',
      body: [{ type: 'paragraph', text: 'وصل اللواء صالح المربع إلى الكويت، وقال المربع إن وكالة وزارة الداخلية للأحوال المدنية تعمل. المربعات ليست اسمًا.' }],
    },
  });
  t.equal(created.statusCode, 201);
  const article = body(created).data;
  const mentions = checkSpans(t, article, (await get(app, `/v1/articles/${article.id}/mentions`)).data, 'text');
  t.same(
    mentions.map((m: any) => [m.part, m.text, m.entity.slug, m.origin]),
    [
      ['title', 'المربع', 'صالح-المربع', 'auto'],
      ['body', 'اللواء صالح المربع', 'صالح-المربع', 'auto'],
      ['body', 'المربع', 'صالح-المربع', 'auto'],
      ['body', 'وكالة وزارة الداخلية للأحوال المدنية', 'وكالة-وزارة-الداخلية-للأحوال-المدنية', 'auto'],
    ],
  );
  await app.inject({ method: 'DELETE', url: `/v1/people/${murabba.id}`, headers: auth });
  const left = (await get(app, `/v1/articles/${article.id}/mentions`)).data;
  t.same(
    left.map((m: any) => m.entity.type),
    ['organisation'],
    "the person's mentions went with the person",
  );
});

t.test('curating mentions keeps the rows (and ids) of the automatic mentions it does not overlap, and drops those it does', async (t) => {
  const app = await build(t);
  const { writes } = engineUnder(app.services);
  const text = 'التقى صالح المربع بالعدواني في الكويت';
  const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: { slug: 'لقاء-منسق', title: 'لقاء', language: 'ar', body: [{ type: 'paragraph', text }] } });
  const article = body(created).data;
  type Row = { id: number; part: string; start: number; end: number; text: string; person_id: string | null; origin: string };
  const rows = () => readRows(app, sql<Row>`select id, part, start, "end", text, person_id, origin from mentions where article_id = ${article.id} order by id`);
  const automatic = await rows();
  t.ok(automatic.length >= 2 && automatic.every((row) => row.origin === 'auto'), 'linking found automatic mentions');
  // A curated mention over the first automatic one's span, naming the same person.
  const [covered, ...others] = automatic;
  const start = text.indexOf(covered!.text);
  t.equal(covered!.start, start, 'the oracle finds the covered mention where it is');
  const curated = { part: 'body' as const, start, end: start + covered!.text.length, text: covered!.text, entity: { type: 'person' as const, id: covered!.person_id! } };

  for (const round of ['first', 'second']) {
    await writes.run((tx) => setCuratedMentions(tx, article.id, [curated]));
    const after = await rows();
    t.same(
      after.filter((row) => row.origin === 'auto'),
      others,
      `${round} curation: the automatic mentions it does not overlap keep their rows, ids included`,
    );
    t.same(
      after.filter((row) => row.origin === 'curated').map(({ id, origin, ...span }) => span),
      [{ part: 'body', start: curated.start, end: curated.end, text: curated.text, person_id: covered!.person_id }],
      `${round} curation: the curated mention`,
    );
  }
});

/** Waits (at most 10 s) until no relink job is left: mentions lag a name change by that much at most here. */
async function relinked(app: App) {
  for (const deadline = Date.now() + 10_000; (await countRows(app, sql`relink_jobs`)) !== 0; ) {
    if (Date.now() > deadline) throw new Error('relink jobs still pending after 10 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

t.test('articles written before a name is known are linked when it becomes known, and again when it changes', async (t) => {
  const app = await build(t);
  const post = async (slug: string, text: string) => {
    const response = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: { slug, title: slug, language: 'ar', body: [{ type: 'paragraph', text }] } });
    t.equal(response.statusCode, 201);
    return body(response).data.id as string;
  };
  const first = await post('خبر-أول', 'التقى العقيد سالم المطيري بالوفد، وقال أبو خالد إن التعاون مستمر.');
  const second = await post('خبر-ثان', 'وصل سالم العتيبي إلى الرياض.');
  const third = await post('خبر-ثالث', 'وقال مصدر لسالم المطيري إن الوفد وصل.');
  const linked = async (article: string) => (await get(app, `/v1/articles/${article}/mentions`)).data.filter((m: any) => m.entity.type === 'person').map((m: any) => [m.text, m.entity.slug]);
  t.same(await linked(first), [], 'nobody is known by these names yet');

  const created = await app.inject({ method: 'POST', url: '/v1/people', headers: json, payload: { slug: 'سالم', name: 'سالم المطيري', honorific: 'العقيد', aliases: [] } });
  const person = body(created).data;
  await relinked(app);
  t.same(await linked(first), [['العقيد سالم المطيري', 'سالم']], 'a new person is linked where the articles name them');
  t.same(await linked(third), [['سالم المطيري', 'سالم']], 'also where a prefix the stemmer keeps is glued to the name (لسالم)');

  const patch = (payload: object) => app.inject({ method: 'PATCH', url: `/v1/people/${person.id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload });
  await patch({ aliases: ['أبو خالد'] });
  await relinked(app);
  t.same(
    await linked(first),
    [
      ['العقيد سالم المطيري', 'سالم'],
      ['أبو خالد', 'سالم'],
    ],
    'a new alias is linked',
  );

  await patch({ name: 'سالم العتيبي', aliases: [] });
  await relinked(app);
  t.same(await linked(first), [], 'forms the person no longer has are unlinked');
  t.same(await linked(second), [['سالم العتيبي', 'سالم']], 'and the new name is linked where it occurs');
});

t.test('names are linked however many entities there are (the name index is read a page at a time)', async (t) => {
  const app = await build(t);
  const { people } = storesOf(app.services);
  const created = await engineUnder(app.services).writes.run(async (tx) => {
    const written = [];
    for (let i = 0; i < 1_050; i++) written.push(await people.create(tx, { slug: `شخص-${i}`, name: `شخص${i} الاسم${i}`, aliases: [] }));
    return written;
  });
  const last = created.reduce((a, b) => (a.id > b.id ? a : b));
  const article = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: json,
    payload: { slug: 'خبر-الأسماء', title: 'خبر', language: 'ar', body: [{ type: 'paragraph', text: `التقى ${last.name} بالعدواني.` }] },
  });
  t.equal(article.statusCode, 201);
  const adwani = (await get(app, '/v1/people/علي-العدواني')).data;
  const mentions = (await get(app, `/v1/articles/${body(article).data.id}/mentions`)).data;
  t.same(
    mentions.map((m: any) => [m.text, m.entity.id]),
    [
      [last.name, last.id],
      ['العدواني', adwani.id],
    ],
    'the entity read last and a seeded one are both found',
  );
});

/** The slugs of the people an article is linked to. */
async function peopleOf(app: App, articleId: string): Promise<string[]> {
  const mentions = (await get(app, `/v1/articles/${articleId}/mentions`)).data;
  return mentions.filter((m: any) => m.entity.type === 'person').map((m: any) => m.entity.slug);
}

/** Posts an article and returns its id. */
async function postArticle(t: Test, app: App, slug: string, text: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: { slug, title: slug, language: 'ar', body: [{ type: 'paragraph', text }] } });
  t.equal(response.statusCode, 201);
  return body(response).data.id;
}

/** Posts an article and returns the slugs of the people it was linked to. */
const peopleLinked = async (t: Test, app: App, slug: string, text: string) => peopleOf(app, await postArticle(t, app, slug, text));

/**
 * Posts an article and returns the slugs of the people it is linked to once they are `expected`, or after 10 s: a
 * server whose name index is behind another process's names links the article again once it has caught up.
 */
async function peopleLinkedOnceCaughtUp(t: Test, app: App, slug: string, text: string, expected: string[]): Promise<string[]> {
  const id = await postArticle(t, app, slug, text);
  let linked = await peopleOf(app, id);
  for (const deadline = Date.now() + 10_000; JSON.stringify(linked) !== JSON.stringify(expected) && Date.now() < deadline; linked = await peopleOf(app, id)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return linked;
}

const newPerson = (app: App, slug: string, name: string) => app.inject({ method: 'POST', url: '/v1/people', headers: json, payload: { slug, name, aliases: [] } });

t.test('names written by another process are linked (two workers on one database)', async (t) => {
  const url = await sharedDatabase(t);
  const first = await build(t, { databaseUrl: url });
  const second = await build(t, { databaseUrl: url });
  t.same(await peopleLinked(t, first, 'خبر-قبل', 'التقى العدواني بالوفد.'), ['علي-العدواني'], "the first worker's index is built");

  t.equal((await newPerson(second, 'نايف', 'نايف الشمري')).statusCode, 201);
  const both = ['نايف', 'علي-العدواني'];
  t.same(await peopleLinkedOnceCaughtUp(t, first, 'خبر-بعد', 'التقى نايف الشمري بالعدواني.', both), both, 'the first sees the name the second added');

  // Through the engine's write (group commit's on SQLite, which waits for the lock without stopping the event loop: a
  // synchronous statement here would stop it while the first app's write, paused between its statements, held it).
  await writeRows(second, sql`update people set aliases = ${JSON.stringify(['أبو فهد'])} where slug = 'نايف'`);
  t.same(await peopleLinkedOnceCaughtUp(t, first, 'خبر-ثالث', 'وقال أبو فهد إن التعاون مستمر.', ['نايف']), ['نايف'], 'and a name changed around the API');
});

t.test('a rolled-back write leaves no name in the index', async (t) => {
  const app = await build(t);
  t.same(await peopleLinked(t, app, 'خبر-قبل', 'التقى العدواني بالوفد.'), ['علي-العدواني']);
  await t.rejects(
    engineUnder(app.services).writes.run(async (tx) => {
      await storesOf(app.services).people.create(tx, { slug: 'نايف', name: 'نايف الشمري', aliases: [] });
      throw new Error('undo');
    }),
    { message: 'undo' },
  );
  t.same(await peopleLinked(t, app, 'خبر-بعد', 'التقى نايف الشمري بالعدواني.'), ['علي-العدواني'], 'the name of the person never stored is not linked');
});

t.test("this process's writes to names bring the index forward instead of building it again", async (t) => {
  const app = await build(t);
  await peopleLinked(t, app, 'خبر-قبل', 'التقى العدواني بالوفد.');
  const created = await newPerson(app, 'نايف', 'نايف الشمري');
  const renamed = await app.inject({
    method: 'PATCH',
    url: `/v1/people/${body(created).data.id}`,
    headers: { ...auth, 'content-type': 'application/merge-patch+json' },
    payload: { name: 'نايف العنزي' },
  });
  t.equal(renamed.statusCode, 200);
  let linked: string[] = [];
  const statements = await recordStatements(app, async () => {
    linked = await peopleLinked(t, app, 'خبر-بعد', 'التقى نايف العنزي بالعدواني، لا نايف الشمري.');
  });
  t.same(linked, ['نايف', 'علي-العدواني'], 'the new name is linked, the old one is not');
  t.notOk(
    statements.some((s) => /from "people"/.test(s.source) && /order by "people"."id"/.test(s.source)),
    'no page of people was read to link the article',
  );
});
