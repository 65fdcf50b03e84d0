import { type SQL, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import { changes } from '../changes/table.js';
import { insertRows } from '../db/bulk.js';
import type { Dialect } from '../db/dialect.js';
import { type StatementExecutor, statement } from '../db/statements.js';
import { slugify } from '../resources/articles/source-document.js';
import { articleMeetings, articleOrganisations, articlePeople, articles, type Block } from '../resources/articles/table.js';
import type { Repositories } from '../resources/index.js';
import { meetingOrganisations, meetingParticipants, meetingStatuses, meetings } from '../resources/meetings/table.js';
import { organisations } from '../resources/organisations/table.js';
import { affiliations, people } from '../resources/people/table.js';
import { resources } from '../resources/registry.js';
import { appendFirstRevisions } from '../revisions/store.js';
import { rebuildSearchIndex } from '../search/analyser-version.js';
import type { Preparing } from '../serving.js';
import { type Random, seededRandom, seededUuidv7 } from './random.js';
import { readSourceDocument, seedWriter } from './seed.js';
import { agencyPurposes, countries, dateTexts, documentNames, familyNames, givenNames, honorifics, ministryDomains, roles, type Vocabulary, vocabularyOf } from './vocabulary.js';

export interface SyntheticSize {
  articles: number;
  people: number;
  organisations: number;
  meetings: number;
}

export interface SyntheticOptions extends SyntheticSize {
  seed: number;
  sourceText?: string;
}

/**
 * Derived data that other modules keep up to date on every write through the repositories is not written
 * by a bulk load: each module that maintains such data registers a rebuild here, and `loadSyntheticData`
 * runs them all after the rows are in: the search index is rebuilt, and every article is linked to the
 * people and organisations it names.
 */
export interface PostLoadStep {
  name: string;
  run(engine: Loading): Promise<unknown>;
}

/**
 * What the loader runs on, on either engine: its reads (on SQLite, the write connection's executor, where the
 * load's pragmas apply), its write, its search index's statements, and the repositories the revisions and the
 * mentions are written through.
 */
export interface Loading extends Preparing {
  repositories: Repositories;
}

export const postLoadSteps: PostLoadStep[] = [
  { name: 'search index', run: (engine) => rebuildSearchIndex(engine, engine.index) },
  { name: 'mentions', run: (engine) => engine.repositories.relinkArticles(engine.write) },
  { name: 'revisions', run: writeFirstRevisions },
  { name: 'changes', run: writeCreatedEvents },
];

/** Every loaded record's id, in creation order. */
const loadedIds = resources.map(({ name, table }) => ({
  name,
  ids: statement
    .select({ id: sql<string>`${table.id}` })
    .from(table)
    .orderBy(table.created_at, table.id),
}));

/** Revision 1 of every loaded record, as the repository reads it, with the seed as its writer, in writes of `batchSize` records (one read and one insert each). */
async function writeFirstRevisions({ repositories, write }: Loading) {
  for (const { name, ids: query } of loadedIds) {
    const ids = (await write((tx) => tx.prepare(query).all())).map(({ id }) => id);
    const repository = repositories[name];
    for (let from = 0; from < ids.length; from += batchSize) {
      await write(async (tx) => appendFirstRevisions(tx, repository, name, await repository.findManyIn(tx, ids.slice(from, from + batchSize)), seedWriter.writer));
    }
  }
}

/** A `created` event for every row of each table, in creation order, as the seed's writes have. */
const createdEvents = resources.map(
  ({ name, table }) =>
    sql`insert into ${changes} (${sql.identifier('resource')}, ${sql.identifier('record_id')}, ${sql.identifier('action')}, ${sql.identifier('version')}, ${sql.identifier('at')})
        select ${name}, ${table.id}, 'created', ${table.version}, ${table.created_at} from ${table} order by ${table.created_at}, ${table.id}`,
);

/** A `created` event for every loaded record, in one write. */
async function writeCreatedEvents({ write }: Loading) {
  await write(async (tx) => {
    for (const events of createdEvents) await tx.prepare(events).run();
  });
}

type Country = (typeof countries)[number];
interface OrgRef {
  id: string;
  name: string;
  domain: string;
  country: Country;
}
interface PersonRef {
  id: string;
  name: string;
  family: string;
  honorific: string | null;
  organisationId: string | null;
}
interface MeetingRef {
  id: string;
  people: PersonRef[];
  organisationIds: string[];
}

const batchSize = 5000;
const linkTables = { person: articlePeople, organisation: articleOrganisations, meeting: articleMeetings };
const start = Date.UTC(2024, 0, 1);

/** The rows of one write, by table in the order each was first given (a link row after its record's), inserted many to a statement. */
class PendingRows {
  private readonly byTable = new Map<SQLiteTable, Array<Record<string, unknown>>>();
  add<T extends SQLiteTable>(table: T, row: T['$inferInsert']) {
    const rows = this.byTable.get(table) ?? [];
    rows.push(row);
    this.byTable.set(table, rows);
  }
  async insert(tx: StatementExecutor) {
    for (const [table, rows] of this.byTable) await insertRows(tx, table, rows);
  }
}

/** Makes the rows of i in [0, count) with `make(rows, i)`, one write of many-row inserts per `batchSize` records. */
async function inBatches({ write }: Loading, count: number, make: (rows: PendingRows, i: number) => void) {
  for (let from = 0; from < count; from += batchSize) {
    const rows = new PendingRows();
    for (let i = from; i < Math.min(count, from + batchSize); i++) make(rows, i);
    await write((tx) => rows.insert(tx));
  }
}

/** The synthetic clock's steps between two records, in ms, and the day its last record must come before. */
const step = { least: 1_000, most: 400_000 };
const syntheticEnd = Date.UTC(2026, 0, 1);

/**
 * Builds `total` records one after another on one clock, so ids (UUIDv7) and timestamps grow together. The steps
 * shrink for a set so large that the last would fall after `syntheticEnd`: a set of 1,000,000 articles ran into
 * the years after its benchmark, and an article published in the future is not public. Sets of up to about
 * 157,000 records (the benchmark's 100,000 articles among them) keep their steps, and so their dates.
 */
export function recordMaker(random: Random, total: number) {
  const scale = Math.min(1, (syntheticEnd - start) / (total * step.most));
  let millis = start;
  return (text: string, index: number) => {
    millis += Math.max(1, Math.floor(random.int(step.least, step.most) * scale));
    const at = new Date(millis).toISOString();
    return { id: seededUuidv7(random, millis), slug: `${slugify(text, 6)}-${index + 1}`, version: 1, created_at: at, updated_at: at };
  };
}

function composer(random: Random, vocabulary: Vocabulary) {
  const names = new RegExp([...documentNames, ...documentNames.map((name) => name.split(' ').at(-1)!)].join('|'), 'gu');
  /** A sentence of the document with its two people replaced by `cast`. */
  const sentence = (cast: PersonRef[]) =>
    random.pick(vocabulary.sentences).replace(names, (found) => {
      const index = documentNames.findIndex((name) => name === found || name.endsWith(` ${found}`));
      const person = cast[index % cast.length]!;
      return found.includes(' ') ? person.name : person.family;
    });
  const paragraph = (cast: PersonRef[]) => Array.from({ length: random.int(1, 3) }, () => sentence(cast)).join(' ');
  const title = (lead: PersonRef, org: OrgRef, other: Country) => {
    const topic = random.pick(vocabulary.topics);
    switch (random.int(0, 3)) {
      case 0:
        return `${lead.family} بحث مع وفد من «${org.domain}» ${org.country.feminine} ${topic}`;
      case 1:
        return `${topic} بين ${org.country.name} و${other.name}`;
      case 2:
        return `${lead.honorific ?? ''} ${lead.name} يستقبل وفدًا من ${other.name} لبحث ${topic}`.trim();
      default:
        return `${org.name}: ${topic}`;
    }
  };
  const body = (cast: PersonRef[]): Block[] => {
    const blocks: Block[] = [
      { type: 'paragraph', text: paragraph(cast) },
      { type: 'paragraph', text: paragraph(cast) },
    ];
    for (let sections = random.int(0, 2); sections > 0; sections--) {
      blocks.push({ type: 'heading', text: random.pick(vocabulary.headings.slice(1)) }, { type: 'paragraph', text: paragraph(cast) });
    }
    return blocks;
  };
  return { sentence, title, body };
}

async function loadOrganisations(engine: Loading, random: Random, make: ReturnType<typeof recordMaker>, count: number): Promise<OrgRef[]> {
  const refs: OrgRef[] = [];
  const ministries: OrgRef[] = [];
  await inBatches(engine, count, (rows, i) => {
    let ref: OrgRef;
    let row: { kind: (typeof organisations.$inferInsert)['kind']; parent_id: string | null; aliases: string[] };
    if (i < countries.length) {
      const country = countries[i]!;
      ref = { id: '', name: `حكومة ${country.name}`, domain: 'الداخلية', country };
      row = { kind: 'government', parent_id: null, aliases: [] };
    } else if (i < countries.length * (ministryDomains.length + 1)) {
      const n = i - countries.length;
      const country = countries[n % countries.length]!;
      const domain = ministryDomains[Math.floor(n / countries.length)]!;
      ref = { id: '', name: `وزارة ${domain} ${country.feminine}`, domain, country };
      row = { kind: 'ministry', parent_id: null, aliases: [domain] };
    } else {
      const parent = random.pick(ministries);
      const purpose = random.pick(agencyPurposes);
      const kind = random.pick(['agency', 'agency', 'committee', 'other'] as const);
      const names = {
        agency: `وكالة وزارة ${parent.domain} ${purpose} ${parent.country.feminine}`,
        committee: `اللجنة المشتركة ${purpose}`,
        other: `الإدارة العامة ${purpose}`,
      };
      ref = { id: '', name: names[kind], domain: parent.domain, country: parent.country };
      row = { kind, parent_id: parent.id, aliases: [] };
    }
    const record = make(ref.name, i);
    ref.id = record.id;
    rows.add(organisations, { ...record, name: ref.name, country: ref.country.code, ...row });
    refs.push(ref);
    if (row.kind === 'ministry') ministries.push(ref);
  });
  return refs;
}

async function loadPeople(engine: Loading, random: Random, make: ReturnType<typeof recordMaker>, count: number, orgs: OrgRef[]): Promise<PersonRef[]> {
  const refs: PersonRef[] = [];
  await inBatches(engine, count, (rows, i) => {
    const family = random.pick(familyNames);
    const name = `${random.pick(givenNames)} ${random.pick(givenNames)} ${family}`;
    const honorific = random.chance(0.7) ? random.pick(honorifics) : null;
    const memberOf = orgs.length > 0 ? random.sample(orgs, random.int(0, 2)) : [];
    const role = random.pick(roles);
    const record = make(name, i);
    rows.add(people, {
      ...record,
      name,
      honorific,
      position: memberOf[0] ? `${role} في ${memberOf[0].name}` : null,
      country: (memberOf[0]?.country ?? random.pick(countries)).code,
      aliases: random.chance(0.5) ? [`${honorific ?? ''} ${family}`.trim()] : [],
    });
    for (const [position, org] of memberOf.entries()) {
      rows.add(affiliations, {
        person_id: record.id,
        position,
        organisation_id: org.id,
        role: position === 0 ? role : random.pick(roles),
        acting: random.chance(0.2) ? true : random.chance(0.5) ? false : null,
      });
    }
    refs.push({ id: record.id, name, family, honorific, organisationId: memberOf[0]?.id ?? null });
  });
  return refs;
}

async function loadMeetings(
  engine: Loading,
  random: Random,
  make: ReturnType<typeof recordMaker>,
  count: number,
  cast: { orgs: OrgRef[]; people: PersonRef[]; vocabulary: Vocabulary },
): Promise<MeetingRef[]> {
  const compose = composer(random, cast.vocabulary);
  const refs: MeetingRef[] = [];
  await inBatches(engine, count, (rows, i) => {
    const host = random.pick(cast.orgs);
    const taking = random.sample(cast.people, random.int(2, 5));
    const organisationIds = [...new Set([host.id, ...taking.map((p) => p.organisationId).filter((id) => id !== null)])].slice(0, 3);
    const title = compose.title(taking[0]!, host, random.pick(countries));
    const record = make(title, i);
    const status = random.chance(0.8) ? 'held' : random.pick(meetingStatuses);
    rows.add(meetings, {
      ...record,
      title,
      status,
      starts_at: random.chance(0.7) ? record.created_at.slice(0, 10) : null,
      date_text: random.chance(0.5) ? random.pick(dateTexts) : null,
      location: `مقر ${host.name}`,
      summary: compose.sentence(taking),
      topics: random.sample(cast.vocabulary.topics, random.int(1, 4)),
      outcomes: status === 'held' ? random.sample(cast.vocabulary.outcomes, random.int(0, 3)) : [],
      host_organisation_id: host.id,
    });
    for (const [position, person] of taking.entries()) {
      rows.add(meetingParticipants, {
        meeting_id: record.id,
        position,
        person_id: person.id,
        organisation_id: position === 0 ? host.id : person.organisationId,
        role: position === 0 ? 'host' : random.pick(['guest', 'delegate'] as const),
      });
    }
    for (const [position, organisation_id] of organisationIds.entries()) rows.add(meetingOrganisations, { meeting_id: record.id, position, organisation_id });
    refs.push({ id: record.id, people: taking, organisationIds });
  });
  return refs;
}

async function loadArticles(
  engine: Loading,
  random: Random,
  make: ReturnType<typeof recordMaker>,
  count: number,
  cast: { orgs: OrgRef[]; people: PersonRef[]; meetings: MeetingRef[]; vocabulary: Vocabulary },
) {
  const compose = composer(random, cast.vocabulary);
  const orgById = new Map(cast.orgs.map((org) => [org.id, org]));
  await inBatches(engine, count, (rows, i) => {
    const meeting = cast.meetings.length > 0 && random.chance(0.7) ? random.pick(cast.meetings) : null;
    const subjects = meeting ? meeting.people.slice(0, 3) : random.sample(cast.people, random.int(1, 2));
    const organisationIds = meeting ? meeting.organisationIds : random.sample(cast.orgs, random.int(1, 2)).map((org) => org.id);
    const lead = orgById.get(organisationIds[0]!)!;
    const title = compose.title(subjects[0]!, lead, random.pick(countries));
    const body = compose.body(subjects);
    const record = make(title, i);
    rows.add(articles, {
      ...record,
      title,
      language: 'ar',
      summary: random.chance(0.4) ? compose.sentence(subjects) : null,
      body,
      source: random.chance(0.8) ? `بيان صادر عن ${lead.name}` : null,
      published_at: random.chance(0.85) ? record.created_at : null,
      status: 'published',
    });
    const links = { person: subjects.map((p) => p.id), organisation: organisationIds, meeting: meeting ? [meeting.id] : [] };
    for (const kind of ['person', 'organisation', 'meeting'] as const) {
      for (const [position, subject_id] of links[kind].entries()) rows.add(linkTables[kind], { article_id: record.id, position, subject_id });
    }
  });
}

/**
 * What a bulk load runs on the engine's session before and after it. SQLite: a load is all or nothing from the
 * caller's view (rerun it on a crash), so the syncs are skipped for its duration, with a larger page cache.
 * PostgreSQL: `vacuum analyze` at the end, which merges the GIN indexes' pending lists and gives the planner the
 * tables' statistics (before it, listings walked the search index's primary key: docs/postgresql.md).
 */
const bulkSession: Record<Dialect['name'], { before: SQL[]; after: SQL[] }> = {
  sqlite: { before: [sql.raw('pragma synchronous = OFF'), sql.raw('pragma cache_size = -262144')], after: [sql.raw('pragma synchronous = NORMAL')] },
  postgres: { before: [], after: [sql.raw('vacuum analyze')] },
};

/**
 * Loads a reproducible Arabic data set of the given size into an empty database, composed from the source
 * document's sentences, headings, topics and names, with every relation the API has. Rows go straight into
 * the tables with prepared statements in large transactions (no HTTP, no per-row validation), then the
 * post-load steps rebuild what other modules derive from them.
 */
export async function loadSyntheticData(engine: Loading, options: SyntheticOptions, steps: PostLoadStep[] = postLoadSteps): Promise<SyntheticSize> {
  const random = seededRandom(options.seed);
  const session = bulkSession[engine.reads.dialect.name];
  for (const statement of session.before) await engine.reads.prepare(statement, 'once').run();
  const counts = { organisations: Math.max(1, options.organisations), people: Math.max(2, options.people) };
  const make = recordMaker(random, counts.organisations + counts.people + options.meetings + options.articles);
  const vocabulary = vocabularyOf(options.sourceText ?? readSourceDocument());
  const orgs = await loadOrganisations(engine, random, make, counts.organisations);
  const cast = { orgs, vocabulary, people: await loadPeople(engine, random, make, counts.people, orgs) };
  const meetingRefs = await loadMeetings(engine, random, make, options.meetings, cast);
  await loadArticles(engine, random, make, options.articles, { ...cast, meetings: meetingRefs });
  for (const step of steps) await step.run(engine);
  for (const statement of session.after) await engine.reads.prepare(statement, 'once').run();
  return { organisations: orgs.length, people: cast.people.length, meetings: meetingRefs.length, articles: options.articles };
}
