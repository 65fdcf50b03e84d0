import t from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { createEmbedder, readBatch } from '../../src/core/list/embed.js';
import { everything, type Visibility } from '../../src/core/list/visibility.js';
import { articleRepository } from '../../src/core/resources/articles/repository.js';
import { articleMeetings, articlePeople, articles } from '../../src/core/resources/articles/table.js';
import { meetingRepository } from '../../src/core/resources/meetings/repository.js';
import { meetingParticipants, meetings } from '../../src/core/resources/meetings/table.js';
import { organisationRepository } from '../../src/core/resources/organisations/repository.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { personList } from '../../src/core/resources/people/list.js';
import { personRepository } from '../../src/core/resources/people/repository.js';
import { affiliations, people } from '../../src/core/resources/people/table.js';
import { engines } from '../engines.js';
import { publicAt } from '../helper.js';

/*
 * The repositories' finds on the statement executor (docs/postgresql.md, step 2): by id and by slug, with their
 * relation lists (JSON aggregates each engine spells its own way), under the public's rule, the batches an
 * include embeds and a reverse include's newest links, run by the same code on SQLite and on PostgreSQL over the same rows. What each find should give
 * is written out here from the rows inserted.
 */

const { onBoth } = engines(t);

// The repositories' writes need a SQLite connection; their reads are prepared on each engine's executor.
const scratch = openDatabase('file::memory:');
t.teardown(() => scratch.close());
const repositories = {
  people: personRepository(),
  organisations: organisationRepository(),
  meetings: meetingRepository(),
  articles: articleRepository(),
};

const at = '2026-01-01T00:00:00.000Z';
const stamps = { version: 1, created_at: at, updated_at: at };
const organisationRows = [
  { id: 'o1', slug: 'وزارة-الداخلية', name: 'وزارة الداخلية', kind: 'ministry' as const, country: 'KW', parent_id: null, aliases: ['الداخلية'], ...stamps },
  { id: 'o2', slug: 'o2', name: 'O2', kind: 'agency' as const, country: null, parent_id: 'o1', aliases: [], ...stamps },
];
const personRows = [
  { id: 'p1', slug: 'علي-العدواني', name: 'علي العدواني', honorific: null, position: 'وزير', country: 'KW', aliases: [], ...stamps, version: 3 },
  { id: 'p2', slug: 'p2', name: 'P2', honorific: 'الشيخ', position: null, country: null, aliases: ['ب'], ...stamps },
];
// Inserted out of their positions' order: a list is read in position order (and members in person order).
const affiliationRows = [
  { person_id: 'p1', position: 1, organisation_id: 'o2', role: null, acting: null },
  { person_id: 'p1', position: 0, organisation_id: 'o1', role: 'وزير', acting: true },
  { person_id: 'p2', position: 0, organisation_id: 'o1', role: 'وكيل', acting: false },
];
const body = [
  { type: 'paragraph' as const, text: 'نص أول' },
  { type: 'heading' as const, text: 'عنوان' },
];
const article = (id: string, status: 'draft' | 'published', publishedAt: string | null) => ({
  id,
  slug: `slug-${id}`,
  title: `title ${id}`,
  language: 'ar',
  summary: null,
  body,
  source: null,
  published_at: publishedAt,
  status,
  ...stamps,
});
const articleRows = [article('a1', 'published', '2026-01-01T00:00:00.000Z'), article('a2', 'draft', null), article('a3', 'published', '2027-01-01T00:00:00.000Z')];
const meetingRow = {
  id: 'm1',
  slug: 'm1',
  title: 'اجتماع',
  status: 'held' as const,
  starts_at: null,
  date_text: null,
  location: null,
  summary: null,
  topics: ['أمن'],
  outcomes: [],
  host_organisation_id: 'o1',
  ...stamps,
};

async function seeded(engine: Parameters<Parameters<typeof onBoth>[1]>[1]) {
  await engine.insert(organisations, organisationRows);
  await engine.insert(people, personRows);
  await engine.insert(affiliations, affiliationRows);
  await engine.insert(articles, articleRows);
  await engine.insert(meetings, [meetingRow]);
  await engine.insert(articlePeople, [
    { article_id: 'a1', position: 1, subject_id: 'p2' },
    { article_id: 'a1', position: 0, subject_id: 'p1' },
  ]);
  await engine.insert(
    articleMeetings,
    articleRows.map(({ id }, position) => ({ article_id: id, position, subject_id: 'm1' })),
  );
  return {
    people: repositories.people.reads(engine.statements, engine.stamp),
    organisations: repositories.organisations.reads(engine.statements, engine.stamp),
    meetings: repositories.meetings.reads(engine.statements, engine.stamp),
    articles: repositories.articles.reads(engine.statements, engine.stamp),
  };
}

const publicly: Visibility = publicAt('2026-06-01T00:00:00.000Z');
const [o1, o2] = [organisationRows[0]!, organisationRows[1]!];
const [p1, p2] = [personRows[0]!, personRows[1]!];
const p1Found = {
  ...p1,
  affiliations: [
    { organisation_id: 'o1', role: 'وزير', acting: true },
    { organisation_id: 'o2', role: null, acting: null },
  ],
};
const articleFound = (row: (typeof articleRows)[number], personIds: string[]) => ({
  ...row,
  person_ids: personIds,
  organisation_ids: [],
  meeting_ids: ['m1'],
  body_text: 'نص أول\n\nعنوان',
});

onBoth('a find by id or slug: the record with its relation lists in order', async (t, engine) => {
  const reads = await seeded(engine);
  t.strictSame(await reads.people.find('p1'), p1Found, 'by id: booleans and nulls in a list item as stored, position order');
  t.strictSame(await reads.people.find('علي-العدواني'), p1Found, 'by Arabic slug');
  t.strictSame(await reads.people.find('p2'), { ...p2, affiliations: [{ organisation_id: 'o1', role: 'وكيل', acting: false }] });
  t.equal(await reads.people.find('nobody'), null, 'none: null');
  t.strictSame(
    await reads.organisations.find('o1'),
    {
      ...o1,
      members: [
        { person_id: 'p1', role: 'وزير', acting: true },
        { person_id: 'p2', role: 'وكيل', acting: false },
      ],
    },
    'a reverse relation in its own order',
  );
  t.strictSame(await reads.organisations.find('o2'), { ...o2, members: [{ person_id: 'p1', role: null, acting: null }] });
  t.strictSame(await reads.articles.find('slug-a1'), articleFound(articleRows[0]!, ['p1', 'p2']), 'an empty list is [], a computed field derived');
  t.equal(await reads.people.idOf('علي-العدواني'), 'p1', "a slug's id");
  t.equal(await reads.people.idOf('nobody'), null);
});

onBoth("the public's finds: what it does not see is not there, nor in a list", async (t, engine) => {
  const reads = await seeded(engine);
  t.strictSame(await reads.articles.find('a1', publicly), articleFound(articleRows[0]!, ['p1', 'p2']), 'published and due');
  t.equal(await reads.articles.find('a2', publicly), null, 'a draft');
  t.equal(await reads.articles.find('slug-a3', publicly), null, 'scheduled later');
  t.equal(await reads.articles.idOf('slug-a2', publicly), null);
  t.equal(await reads.articles.idOf('slug-a2', everything), 'a2');
  t.strictSame(await reads.articles.find('a2'), articleFound(articleRows[1]!, []), 'a token reads the draft');
  t.strictSame((await reads.meetings.find('m1'))?.article_ids, ['a1', 'a2', 'a3'], 'every article about the meeting, by id');
  t.strictSame((await reads.meetings.find('m1', publicly))?.article_ids, ['a1'], 'the public sees the published one');
});

onBoth('the batch an include embeds: the records seen, without the unembedded fields', async (t, engine) => {
  const reads = await seeded(engine);
  const byId = <T extends { id: string }>(records: T[]) => [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
  t.strictSame(byId(await reads.people.findEmbedded(['p2', 'nobody', 'p1'], everything)), [p1Found, { ...p2, affiliations: [{ organisation_id: 'o1', role: 'وكيل', acting: false }] }]);
  t.strictSame(await reads.people.findEmbedded([], everything), [], 'no ids');
  const { body: _body, ...a1Embedded } = { ...articleRows[0]!, person_ids: ['p1', 'p2'], organisation_ids: [], meeting_ids: ['m1'] };
  t.strictSame(await reads.articles.findEmbedded(['a1', 'a2', 'a3'], publicly), [a1Embedded], 'the public: only what it sees, no body');
  t.strictSame(
    byId(await reads.articles.findEmbedded(['a1', 'a2'], everything)).map(({ id }) => id),
    ['a1', 'a2'],
  );
});

onBoth("a reverse include: each owner's newest links, the public's only to what it sees, read a batch of owners at a time", async (t, engine) => {
  const reads = await seeded(engine);
  // a3 (scheduled) is about p1 too; p2 took part in m1.
  await engine.insert(articlePeople, [{ article_id: 'a3', position: 0, subject_id: 'p1' }]);
  await engine.insert(meetingParticipants, [{ meeting_id: 'm1', position: 0, person_id: 'p2', organisation_id: 'o1', role: 'host' }]);
  const embed = createEmbedder(engine.statements, personList, reads);
  const found: Array<{ id: string }> = [p1Found, (await reads.people.find('p2'))!];
  // p2 comes after two batches' worth of owners deleted since the page was listed: its links are two batches on.
  const page = {
    ids: ['p1', ...Array.from({ length: 2 * readBatch }, (_, i) => `gone-${i}`), 'p2'],
    async *batches() {
      yield found;
    },
  };
  const shown = async (visibility: Visibility) => {
    const { data } = await embed(page, { include: ['articles', 'meetings'] }, visibility);
    return data.map((record) => [record.id, (record.articles as Array<{ id: string }>).map(({ id }) => id), (record.meetings as Array<{ id: string }>).map(({ id }) => id)]);
  };
  t.strictSame(
    await shown(everything),
    [
      ['p1', ['a3', 'a1'], []],
      ['p2', ['a1'], ['m1']],
    ],
    'newest first',
  );
  t.strictSame(
    await shown(publicly),
    [
      ['p1', ['a1'], []],
      ['p2', ['a1'], ['m1']],
    ],
    'the public: not the scheduled article',
  );
  const { referenced } = await embed(page, { include: ['articles'] }, publicly);
  t.strictSame(referenced.get('articles')?.get('p1'), ['a1'], "the public's newest links are to what it sees");
});
