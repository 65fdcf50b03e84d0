import { readFileSync } from 'node:fs';
import t from 'tap';
import { storesOf } from '../../src/core/db/handles.js';
import { plainText } from '../../src/core/resources/articles/repository.js';
import { parseSourceDocument, slugify } from '../../src/core/resources/articles/source-document.js';
import { readSourceDocument, seedDatabase } from '../../src/core/seed/seed.js';
import { type Fact, sourceArticle, sourceMeeting, sourceOrganisations, sourcePeople } from '../../src/core/seed/source-facts.js';
import { body, build, jobsOf } from '../helper.js';

const source = readSourceDocument();
/** The document with runs of white space folded, as quotes are compared against it. */
const text = source.replace(/\s+/g, ' ');

t.test('the parser turns the plain-text report into title, headings and paragraphs', async (t) => {
  const report = parseSourceDocument(source);
  t.equal(report.title, 'العدواني بحث مع وفد من «الداخلية» السعودية تعزيز التعاون الأمني وتبادل الخبرات');
  t.same(
    report.body.filter((b) => b.type === 'heading').map((b) => b.text),
    ['تعزيز التعاون الأمني بين الكويت والسعودية', 'أهم المحاور التي تمت مناقشتها'],
  );
  t.equal(report.body.filter((b) => b.type === 'paragraph').length, 11);
  const nonEmptyLines = source
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  t.same([report.title, ...report.body.map((b) => b.text)], nonEmptyLines, 'every line kept, in order, unchanged');
  t.same(parseSourceDocument('\uFEFFعنوان\r\nنص الفقرة.\r\n').body, [{ type: 'paragraph', text: 'نص الفقرة.' }], 'BOM and CRLF');
  t.throws(() => parseSourceDocument(' \n\n'), { code: 'validation_failed' }, 'no title line');
  t.throws(() => parseSourceDocument('عنوان فقط'), { code: 'validation_failed' }, 'no body');
  t.equal(slugify('«الداخلية» السعودية: تعاونٌ'), 'الداخلية-السعودية-تعاون');
});

t.test('every seeded value is stated by the document, with a quote that contains it', async (t) => {
  const facts: Array<[string, Fact<unknown>]> = [];
  const collect = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && 'quote' in value) facts.push([prefix, value as Fact<unknown>]);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(`${prefix}.${k}`, v);
  };
  collect('organisations', sourceOrganisations);
  collect('people', sourcePeople);
  collect('meeting', sourceMeeting);
  collect('article', sourceArticle);
  t.ok(facts.length >= 25, `${facts.length} facts`);
  for (const [path, fact] of facts) {
    t.ok(text.includes(fact.quote), `${path}: the quote is in the document`);
    if (typeof fact.value === 'string' && !/^[A-Z]{2}$|^[a-z]+$|-/.test(fact.value)) {
      t.ok(fact.quote.includes(fact.value), `${path}: the value is in its quote`);
    }
  }
  for (const phrase of [...sourceMeeting.topics, ...sourceMeeting.outcomes]) t.ok(text.includes(phrase), `verbatim: ${phrase}`);
});

t.test('the seeded API holds the names, ranks and relations the document gives', async (t) => {
  const app = await build(t);
  const people = body(await app.inject({ url: '/v1/people' })).data;
  const orgs = body(await app.inject({ url: '/v1/organisations' })).data;
  const meetings = body(await app.inject({ url: '/v1/meetings' })).data;
  const articles = body(await app.inject({ url: '/v1/articles' })).data;
  t.equal(people.length, 2);
  t.equal(orgs.length, 3);
  t.equal(meetings.length, 1);
  t.equal(articles.length, 1);
  const bySlug = (list: any[], slug: string) => list.find((r) => r.slug === slug);

  const kuwait = bySlug(orgs, 'وزارة-الداخلية-الكويتية');
  const saudi = bySlug(orgs, 'وزارة-الداخلية-السعودية');
  const agency = bySlug(orgs, 'وكالة-وزارة-الداخلية-للأحوال-المدنية');
  t.match(kuwait, { name: 'وزارة الداخلية الكويتية', kind: 'ministry', country: 'KW', parent_id: null });
  t.match(saudi, { name: 'وزارة الداخلية السعودية', kind: 'ministry', country: 'SA', parent_id: null });
  t.match(agency, { name: 'وكالة وزارة الداخلية للأحوال المدنية', kind: 'agency', country: 'SA', parent_id: saudi.id });

  const adwani = bySlug(people, 'علي-العدواني');
  const murabba = bySlug(people, 'صالح-المربع');
  t.match(adwani, { name: 'علي العدواني', honorific: 'اللواء', position: 'وكيل وزارة الداخلية الكويتي المؤقت', country: 'KW' });
  t.same(adwani.affiliations, [{ organisation_id: kuwait.id, role: 'وكيل وزارة الداخلية', acting: true }], 'acting (المؤقت)');
  t.match(murabba, { name: 'صالح المربع', honorific: 'اللواء', country: 'SA' });
  t.same(murabba.affiliations, [{ organisation_id: agency.id, role: 'المشرف على وكالة وزارة الداخلية للأحوال المدنية', acting: null }]);
  t.same(kuwait.members, [{ person_id: adwani.id, role: 'وكيل وزارة الداخلية', acting: true }], 'members are the reverse of affiliations');

  const meeting = meetings[0];
  t.match(meeting, {
    status: 'held',
    starts_at: null,
    date_text: 'أمس الأربعاء',
    location: 'مقر وزارة الداخلية',
    host_organisation_id: kuwait.id,
  });
  t.equal(meeting.starts_at, null, 'the document gives no calendar date');
  t.same(meeting.participants, [
    { person_id: adwani.id, organisation_id: kuwait.id, role: 'host' },
    { person_id: murabba.id, organisation_id: saudi.id, role: 'guest' },
  ]);
  t.same(meeting.organisation_ids, [kuwait.id, saudi.id, agency.id]);
  t.ok(meeting.topics.includes('مكافحة الإرهاب'));
  t.equal(meeting.outcomes.length, 3);

  const article = articles[0];
  t.equal(article.title, parseSourceDocument(source).title);
  t.match(article, { language: 'ar', summary: null, published_at: null, source: 'بيان صادر عن وزارة الداخلية الكويتية' });
  t.equal(article.body_text, plainText(article.body));
  t.ok(article.body_text.includes('استقبل اللواء العدواني'));
  t.same(article.person_ids.sort(), [adwani.id, murabba.id].sort());
  t.same(article.organisation_ids.sort(), [kuwait.id, saudi.id, agency.id].sort());
  t.same(article.meeting_ids, [meeting.id]);
  t.same(meeting.article_ids, [article.id], 'the meeting lists the article that reports it');
});

t.test('seeding is idempotent and the seed file is the source document', async (t) => {
  const app = await build(t);
  const before = body(await app.inject({ url: '/v1/people' })).meta.total;
  await seedDatabase(jobsOf(app), storesOf(app.services));
  await seedDatabase(jobsOf(app), storesOf(app.services));
  for (const path of ['people', 'organisations', 'meetings', 'articles']) {
    t.equal(body(await app.inject({ url: `/v1/${path}` })).meta.total, path === 'people' ? before : path === 'organisations' ? 3 : 1, `${path}: one copy`);
  }
  const empty = await build(t, { seed: 'never' });
  t.equal(body(await empty.inject({ url: '/v1/articles' })).meta.total, 0, 'SEED=never leaves the database empty');
  t.equal(readFileSync(new URL('../../seed/kuwait-saudi-interior-meeting.ar.txt', import.meta.url), 'utf8'), source);
});
