import { getTableName, sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { changes } from '../../src/core/changes/table.js';
import { statement } from '../../src/core/db/statements.js';
import { mentions, provenance } from '../../src/core/facts/table.js';
import { parseSourceDocument, slugify } from '../../src/core/resources/articles/source-document.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { people } from '../../src/core/resources/people/table.js';
import { resources } from '../../src/core/resources/registry.js';
import { revisions } from '../../src/core/revisions/table.js';
import { analyserVersion, indexedAnalyserVersion } from '../../src/core/search/analyser-version.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import type { IndexStatements } from '../../src/core/search/index-statements.js';
import { postgresIndex } from '../../src/core/search/postgres-search.js';
import { createSearch } from '../../src/core/search/search.js';
import { searchTypes } from '../../src/core/search/sources.js';
import { searchDocuments } from '../../src/core/search/table.js';
import { isEmpty, readSourceDocument, seedDatabase } from '../../src/core/seed/seed.js';
import { sourceMeeting, sourceOrganisations, sourcePeople } from '../../src/core/seed/source-facts.js';
import { type Preparing, prepareForServing } from '../../src/core/serving.js';
import { bothInEveryRun, type Engine, engines } from '../engines.js';
import { unindexedPerson } from '../search/found-by-title.js';

/*
 * Start-up's preparation (core/serving.ts) on each engine, through what an engine gives: its read executor, its
 * write transaction and its search index's statements. What the seed should hold is taken from the declared facts
 * of the source document (core/seed/source-facts.ts), and each engine's rows are compared with the other's.
 */

const { onBoth, onPostgres } = engines(t);

/** The engine as start-up's preparation takes it, and the repositories a server's writes run through. */
function preparationOn(_t: Test, engine: Engine) {
  const index = engine.postgres ? postgresIndex : fts5Index;
  const preparing: Preparing = { reads: engine.statements, write: (body) => engine.write(body), index };
  return {
    preparing,
    repositories: createRepositories(),
    search: createSearch(engine.statements, index, engine.stamp),
  };
}

/** Every table the resources' records are stored in: their own and their relation lists. */
const recordTables = resources.flatMap(({ name, table, repository }) => [
  { name, table, resource: true },
  ...repository().linkTables.map((link) => ({ name: getTableName(link.table), table: link.table, resource: false })),
]);

/**
 * Every record table's rows, with each record's id written as its slug (ids are made at random on each engine) and
 * the write's timestamps left out, in a stable order: what two engines seeded from one report should share.
 */
async function storedRows({ statements }: Engine) {
  const tables = new Map<string, Record<string, unknown>[]>();
  for (const { name, table } of recordTables) tables.set(name, await statements.prepare(statement.select().from(table)).all());
  const slugs = new Map(recordTables.filter(({ resource }) => resource).flatMap(({ name }) => tables.get(name)!.map((row) => [row.id, `@${row.slug}`])));
  const bySlug = (value: unknown): unknown => (Array.isArray(value) ? value.map(bySlug) : (slugs.get(value) ?? value));
  return Object.fromEntries(
    [...tables].map(([name, rows]) => [
      name,
      rows
        .map((row) =>
          Object.fromEntries(Object.entries(row).flatMap(([column, value]) => (column.endsWith('_at') && column !== 'published_at' && column !== 'starts_at' ? [] : [[column, bySlug(value)]]))),
        )
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ]),
  );
}

/** Each engine's seeded rows, compared once both have run. */
const seededOn = new Map<string, Awaited<ReturnType<typeof storedRows>>>();
const reportTitle = parseSourceDocument(readSourceDocument()).title;

/** A fresh database prepared with SEED=auto: the report's records, checked against its declared facts, kept for the comparison below. */
async function seedsTheReport(t: Test, engine: Engine) {
  const { preparing, repositories } = preparationOn(t, engine);
  t.ok(await isEmpty(engine.statements), 'a migrated database holds no record');
  t.equal(await indexedAnalyserVersion(engine.statements), 0, 'and no analyser has written its index');
  t.same(await prepareForServing(preparing, repositories, 'auto'), { articles: 0, people: 0, organisations: 0, meetings: 0 }, 'its empty index is rebuilt once');
  t.equal(await indexedAnalyserVersion(engine.statements), analyserVersion, 'which records this analyser');
  t.notOk(await isEmpty(engine.statements), 'and the seed is in');

  const rows = await storedRows(engine);
  const of = (table: string) => rows[table] ?? [];
  t.same(
    of('organisations').map(({ slug, name, kind, country, parent_id }) => ({ slug, name, kind, country, parent_id })),
    sourceOrganisations
      .map((org) => ({ slug: org.slug, name: org.name.value, kind: org.kind.value, country: org.country.value, parent_id: org.parent ? `@${org.parent.value}` : null }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    'the organisations the report names, with their parents',
  );
  t.same(
    new Set(of('people').map(({ slug, name, honorific, position, country }) => JSON.stringify({ slug, name, honorific, position, country }))),
    new Set(sourcePeople.map((p) => JSON.stringify({ slug: p.slug, name: p.name.value, honorific: p.honorific.value, position: p.position.value, country: p.country.value }))),
    'the people it names',
  );
  t.same(
    new Set(of('affiliations').map(({ person_id, organisation_id, role, acting }) => JSON.stringify([person_id, organisation_id, role, acting]))),
    new Set(sourcePeople.flatMap((p) => p.affiliations.map((a) => JSON.stringify([`@${p.slug}`, `@${a.organisation.value}`, a.role.value, a.acting?.value ?? null])))),
    'their affiliations',
  );
  const meetingSlug = `@${slugify(reportTitle)}`;
  t.match(
    of('meetings'),
    [{ slug: slugify(reportTitle), title: reportTitle, host_organisation_id: `@${sourceMeeting.host.value}`, topics: sourceMeeting.topics, outcomes: sourceMeeting.outcomes }],
    'the meeting',
  );
  t.same(
    new Set(of('meeting_participants').map(({ meeting_id, person_id, organisation_id, role }) => JSON.stringify([meeting_id, person_id, organisation_id, role]))),
    new Set(sourceMeeting.participants.map((p) => JSON.stringify([meetingSlug, `@${p.person}`, `@${p.organisation}`, p.role]))),
    'its participants',
  );
  t.match(of('articles'), [{ slug: slugify(reportTitle), title: reportTitle, published_at: null }], 'and the article that reports it');
  t.same(
    of('article_meetings').map(({ subject_id }) => subject_id),
    [meetingSlug],
    'which names the meeting',
  );
  seededOn.set(engine.postgres ? 'postgres' : 'sqlite', rows);

  await prepareForServing(preparing, repositories, 'auto');
  t.same(await storedRows(engine), rows, 'a second start seeds nothing more');

  // Two nodes starting together on an empty database may both find it empty and both seed: the second seed's
  // write runs after the first's has committed (the feed's lock, group commit) and must add nothing.
  const counts = async () =>
    Object.fromEntries(
      await Promise.all([changes, revisions, provenance, mentions].map(async (table) => [getTableName(table), (await engine.statements.prepare(statement.select().from(table)).all()).length])),
    );
  const before = await counts();
  await seedDatabase(preparing, repositories);
  t.same(await storedRows(engine), rows, 'the seed run again leaves the records as they were');
  t.same(await counts(), before, 'and appends no change, revision, provenance or mention');
}

onBoth('a fresh database is seeded with the records the report states, and its index written by this analyser', seedsTheReport);

t.test('both engines store the same seeded rows in every record table', bothInEveryRun, async (t) => {
  const [sqlite, postgres] = [seededOn.get('sqlite'), seededOn.get('postgres')];
  t.ok(sqlite && postgres, 'both seeded');
  t.same(
    Object.keys(sqlite ?? {}),
    recordTables.map(({ name }) => name),
    'every record table read',
  );
  t.same(postgres, sqlite);
});

/** The words of each record's title or name, as a search of them, and the record. */
const titles = { articles: 'title', people: 'name', organisations: 'name', meetings: 'title' } as const;

/** The records (`type id`) a search of the first eight words of their own title or name does not find among its first 100 hits. */
async function searchMisses(engine: Engine, search: ReturnType<typeof createSearch>) {
  const missed: string[] = [];
  let checked = 0;
  for (const { name, table } of resources) {
    const titled = statement.select({ id: table.id, text: sql<string>`${sql.identifier(titles[name])}` }).from(table);
    for (const { id, text } of await engine.statements.prepare(titled).all()) {
      const { results } = await search.search({ q: text.split(/\s+/).slice(0, 8).join(' '), types: [name], limit: 100 });
      if (!results.some((hit) => hit.id === id)) missed.push(`${name} ${id}`);
      checked++;
    }
  }
  return { checked, missed };
}

/** Writes another analyser version into the engine's place for it, as an older khabar would have left it. */
const olderVersion = (engine: Engine) =>
  engine.write((tx) => tx.prepare(engine.postgres ? sql`update search_analyser set version = ${analyserVersion - 1}` : sql.raw(`pragma user_version = ${analyserVersion - 1}`)).run());
const emptyIndex = (engine: Engine, index: IndexStatements) =>
  engine.write(async (tx) => {
    for (const emptying of index.emptied) await tx.prepare(emptying).run();
  });
const documentCount = statement.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(searchDocuments);

/** Records of each resource written through the repositories (so indexed as they are written), in one write. */
async function written(engine: Engine, { repositories }: ReturnType<typeof preparationOn>) {
  await engine.write(async (tx) => {
    const ministry = await repositories.organisations.create(tx, { slug: 'وزارة', name: 'وزارة الداخلية الكويتية', kind: 'ministry', aliases: [] });
    const person = await repositories.people.create(tx, { slug: 'علي', name: 'علي العدواني', aliases: [], affiliations: [{ organisation_id: ministry.id, role: 'وكيل', acting: true }] });
    const meeting = await repositories.meetings.create(tx, {
      slug: 'اجتماع',
      title: 'اجتماع التعاون الأمني',
      status: 'held',
      starts_at: '2026-02-01',
      topics: [],
      outcomes: [],
      participants: [{ person_id: person.id, organisation_id: ministry.id, role: 'host' }],
      organisation_ids: [ministry.id],
    });
    await repositories.articles.create(tx, {
      slug: 'خبر',
      title: 'العدواني يبحث التعاون مع وفد سعودي',
      language: 'ar',
      body: [{ type: 'paragraph', text: 'استقبل اللواء علي العدواني وفدا من وزارة الداخلية.' }],
      person_ids: [person.id],
      organisation_ids: [ministry.id],
      meeting_ids: [meeting.id],
    });
  });
}

onBoth('a stale index is rebuilt at start, every record then found by its own words, and a current one is left alone', async (t, engine) => {
  const preparation = preparationOn(t, engine);
  const { preparing, repositories, search } = preparation;
  await prepareForServing(preparing, repositories, 'never');
  await written(engine, preparation);
  // What an older khabar leaves behind: an index of other stems (here none) under an older version, and a record the index never held.
  await emptyIndex(engine, preparing.index);
  await olderVersion(engine);
  await engine.insert(people, [unindexedPerson]);
  t.same((await search.search({ q: 'العدواني', types: searchTypes, limit: 10 })).results, [], 'the stale index finds nothing');

  t.same(await prepareForServing(preparing, repositories, 'auto'), { articles: 1, people: 2, organisations: 1, meetings: 1 }, 'the next start rebuilt it: every record, the one written around it too');
  t.equal(await indexedAnalyserVersion(engine.statements), analyserVersion, 'and recorded this analyser');
  t.same(await searchMisses(engine, search), { checked: 5, missed: [] }, 'every record is found by the words of its title or name');

  const created = await engine.write((tx) => repositories.organisations.create(tx, { slug: 'لجنة', name: 'لجنة الجولة البحرية', kind: 'committee', aliases: [] }));
  t.same(
    (await search.search({ q: 'البحرية', types: searchTypes, limit: 10 })).results.map((hit) => hit.id),
    [created.id],
    'a write after the rebuild indexes its record under a key of its own',
  );

  await emptyIndex(engine, preparing.index);
  t.equal(await prepareForServing(preparing, repositories, 'auto'), null, 'a current index is not rebuilt');
  t.same(await engine.statements.prepare(documentCount).get(), { n: 0 }, 'the emptied index stays empty: no rebuild at each start');
});

onBoth('two starts finding the index stale at once rebuild it once: the second finds it current in its write', async (t, engine) => {
  const preparation = preparationOn(t, engine);
  const { preparing, repositories } = preparation;
  await prepareForServing(preparing, repositories, 'never');
  await written(engine, preparation);
  await olderVersion(engine);
  const starts = await Promise.all([prepareForServing(preparing, repositories, 'never'), prepareForServing(preparing, repositories, 'never')]);
  t.same(
    starts.map((rebuilt) => rebuilt !== null),
    [true, false],
    'the first rebuilt, the second found it done',
  );
  t.equal(await indexedAnalyserVersion(engine.statements), analyserVersion);
});

onPostgres('a rebuild records its analyser version even when the row that holds it was deleted', async (t, engine) => {
  const { preparing, repositories } = preparationOn(t, engine);
  await engine.write((tx) => tx.prepare(sql`delete from search_analyser`).run());
  t.not(await prepareForServing(preparing, repositories, 'never'), null, 'no version recorded: rebuilt');
  t.equal(await indexedAnalyserVersion(engine.statements), analyserVersion, 'and its version recorded');
  t.equal(await prepareForServing(preparing, repositories, 'never'), null, 'so the next start does not rebuild');
});

onBoth('SEED=never leaves a fresh database empty', async (t, engine) => {
  const { preparing, repositories } = preparationOn(t, engine);
  await prepareForServing(preparing, repositories, 'never');
  t.ok(await isEmpty(engine.statements), 'no record');
  for (const { name, table } of recordTables) t.same(await engine.statements.prepare(statement.select().from(table)).all(), [], `${name} holds no row`);
});
