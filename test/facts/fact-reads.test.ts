import t from 'tap';
import { mentionReads } from '../../src/core/facts/mentions.js';
import { provenanceReads } from '../../src/core/facts/provenance.js';
import { mentions, provenance } from '../../src/core/facts/table.js';
import { everything, type Visibility } from '../../src/core/list/visibility.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { meetings } from '../../src/core/resources/meetings/table.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { people } from '../../src/core/resources/people/table.js';
import { type Engine, engines } from '../engines.js';
import { publicAt } from '../helper.js';
import { articleRow } from '../rows.js';

/*
 * The facts' routes' reads (facts/mentions.ts, provenance.ts), written once and run on a read executor of either
 * engine: an article's mentions in text order, a record's provenance as a token reader and as the public see it.
 * What each should give is worked out here from the rows the test writes; compared as JSON text, the bytes a
 * response carries (key order included).
 */

const { onBoth } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const now = '2026-02-01T00:00:00.000Z';
const publicly: Visibility = publicAt(now);
const stamps = { version: 1, created_at: at, updated_at: at };
const personRow = { id: 'p1', slug: 'علي-العدواني', name: 'علي العدواني', honorific: 'الشيخ', position: null, country: 'KW', aliases: [], ...stamps };
const organisationRow = { id: 'o1', slug: 'الداخلية', name: 'وزارة الداخلية', kind: 'ministry' as const, country: 'KW', parent_id: null, aliases: [], ...stamps };
const meetingRow = {
  id: 'm1',
  slug: 'لقاء-الوزيرين',
  title: 'لقاء الوزيرين',
  status: 'held' as const,
  starts_at: null,
  date_text: null,
  location: null,
  summary: null,
  topics: [],
  outcomes: [],
  host_organisation_id: null,
  ...stamps,
};
/** What a mention names its entity by: the record's slug and its name (a meeting's title). */
const labels = {
  p1: { type: 'person', slug: personRow.slug, name: personRow.name },
  o1: { type: 'organisation', slug: organisationRow.slug, name: organisationRow.name },
  m1: { type: 'meeting', slug: meetingRow.slug, name: meetingRow.title },
} as const;
type EntityId = keyof typeof labels;

const articleRows = [
  articleRow('a1', 'published', at),
  articleRow('a2', 'draft', null),
  // Embargoed: published, but not before a moment after `now`.
  articleRow('a3', 'published', '2026-03-01T00:00:00.000Z'),
  // Published with no date: public.
  articleRow('a4', 'published', null),
];

const none = { person_id: null, organisation_id: null, meeting_id: null };
const entityColumns = (entity: EntityId) => ({ ...none, [`${labels[entity].type}_id`]: entity });

/** Mentions under keys out of their text order, of three entities, and one of another article. */
const mentionRows = [
  { id: 7, article_id: 'a1', part: 'body', start: 12, end: 20, text: 'الوزيران', origin: 'auto', entity: 'o1' },
  { id: 3, article_id: 'a1', part: 'title', start: 5, end: 13, text: 'الداخلية', origin: 'curated', entity: 'o1' },
  { id: 12, article_id: 'a2', part: 'title', start: 0, end: 4, text: 'وزير', origin: 'auto', entity: 'p1' },
  { id: 9, article_id: 'a1', part: 'title', start: 0, end: 4, text: 'وزير', origin: 'auto', entity: 'p1' },
  { id: 4, article_id: 'a1', part: 'body', start: 0, end: 3, text: 'لقاء', origin: 'curated', entity: 'm1' },
] as const;

/** Records of the person's, the organisation's and the meeting's values under keys out of order: quotes of a public, a draft, an embargoed and an undated article, a writer's. */
const provenanceRows = [
  { id: 8, entity: 'p1', field: 'name', value: 'علي العدواني', article_id: 'a1', part: 'body', start: 0, end: 12, quote: 'علي العدواني', writer: null },
  { id: 2, entity: 'p1', field: 'position', value: 'وزير الداخلية', article_id: 'a2', part: 'title', start: 0, end: 13, quote: 'وزير الداخلية', writer: null },
  { id: 15, entity: 'p1', field: 'country', value: 'KW', article_id: null, part: null, start: null, end: null, quote: null, writer: 'editor' },
  { id: 5, entity: 'p1', field: 'aliases', value: ['العدواني'], article_id: 'a3', part: 'body', start: 4, end: 12, quote: 'العدواني', writer: null },
  { id: 11, entity: 'p1', field: 'honorific', value: 'الشيخ', article_id: 'a4', part: 'title', start: 0, end: 5, quote: 'الشيخ', writer: null },
  { id: 6, entity: 'o1', field: 'name', value: 'وزارة الداخلية', article_id: 'a1', part: 'title', start: 0, end: 14, quote: 'وزارة الداخلية', writer: null },
  { id: 20, entity: 'm1', field: 'topics', value: ['الامن', 'الحدود'], article_id: null, part: null, start: null, end: null, quote: null, writer: 'editor' },
  { id: 1, entity: 'm1', field: 'status', value: 'held', article_id: 'a2', part: 'body', start: 0, end: 4, quote: 'عقد', writer: null },
] as const;

async function written(engine: Engine) {
  await engine.insert(people, [personRow]);
  await engine.insert(organisations, [organisationRow]);
  await engine.insert(meetings, [meetingRow]);
  await engine.insert(articles, articleRows);
  await engine.insert(
    mentions,
    mentionRows.map(({ entity, ...row }) => ({ ...row, ...entityColumns(entity) })),
  );
  await engine.insert(
    provenance,
    provenanceRows.map(({ entity, ...row }) => ({ ...row, ...entityColumns(entity), recorded_at: at })),
  );
}

/** An article's mentions as the route gives them: the title's first, each part's by where they start. */
function expectedMentions(article: string) {
  const partOrder = { title: 0, body: 1 };
  return mentionRows
    .filter((row) => row.article_id === article)
    .sort((a, b) => partOrder[a.part] - partOrder[b.part] || a.start - b.start)
    .map(({ part, start, end, text, origin, entity }) => {
      const { type, slug, name } = labels[entity];
      return { part, start, end, text, origin, entity: { type, id: entity, slug, name } };
    });
}

/** Which articles the public sees at `now`. */
const publicArticles = new Set(articleRows.filter((row) => row.status === 'published' && (row.published_at == null || row.published_at <= now)).map((row) => row.id));

/** An entity's records as the route gives them, oldest key first: for the public only writers' records and quotes of public articles. */
function expectedProvenance(entity: EntityId, visibility: Visibility) {
  return provenanceRows
    .filter((row) => row.entity === entity && (visibility.audience === 'all' || row.article_id === null || publicArticles.has(row.article_id)))
    .sort((a, b) => a.id - b.id)
    .map(({ field, value, article_id, part, start, end, quote, writer }) => ({ field, value, article_id, part, start, end, quote, writer, recorded_at: at }));
}

onBoth("an article's mentions: the title's, then the body's, each part's in text order, named by their entities", async (t, engine) => {
  await written(engine);
  for (const article of ['a1', 'a2', 'a4']) {
    const expected = expectedMentions(article);
    t.equal(JSON.stringify(await mentionReads.list(engine.statements, article)), JSON.stringify(expected), `${article}: ${expected.length} mentions`);
  }
});

onBoth("a record's provenance: every record for a token reader; for the public, no quote of a draft or an embargoed article", async (t, engine) => {
  await written(engine);
  t.equal(expectedProvenance('p1', publicly).length, 3, 'the public sees a public, an undated and a writer’s record of the person');
  for (const [type, id] of [
    ['person', 'p1'],
    ['organisation', 'o1'],
    ['meeting', 'm1'],
  ] as const) {
    for (const [who, visibility] of [
      ['a token reader', everything],
      ['the public', publicly],
    ] as const) {
      const expected = expectedProvenance(id, visibility);
      t.equal(JSON.stringify(await provenanceReads.list(engine.statements, { type, id }, visibility)), JSON.stringify(expected), `${type}, ${who}: ${expected.length} records`);
    }
  }
});
