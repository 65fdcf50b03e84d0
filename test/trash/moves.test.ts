import { asc } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import t from 'tap';
import { changeStore } from '../../src/core/changes/store.js';
import { changes } from '../../src/core/changes/table.js';
import { openDatabase } from '../../src/core/db/database.js';
import { statement } from '../../src/core/db/statements.js';
import { mentions, provenance } from '../../src/core/facts/table.js';
import { articleResource } from '../../src/core/resources/articles/resource.js';
import { articleOrganisations, articlePeople } from '../../src/core/resources/articles/table.js';
import { meetingResource } from '../../src/core/resources/meetings/resource.js';
import { meetingOrganisations, meetingParticipants } from '../../src/core/resources/meetings/table.js';
import { organisationResource } from '../../src/core/resources/organisations/resource.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { personResource } from '../../src/core/resources/people/resource.js';
import { affiliations, people } from '../../src/core/resources/people/table.js';
import { byResource, type ResourceName, resources } from '../../src/core/resources/registry.js';
import type { Versioned } from '../../src/core/resources/shared/record-service.js';
import type { Repository } from '../../src/core/resources/shared/repository.js';
import { type Restoring, restoreRevision, restoreTrashed } from '../../src/core/revisions/restore.js';
import { revisionStore } from '../../src/core/revisions/store.js';
import { revisions } from '../../src/core/revisions/table.js';
import { trashStore } from '../../src/core/trash/store.js';
import { trash } from '../../src/core/trash/table.js';
import { type Engine, engines } from '../engines.js';

/*
 * The trash's moves (core/trash: the links kept on a delete and put back on a restore, the kept spans moved onto
 * the article's text), the revisions' reads and an organisation's own checks, on each engine's write transaction
 * (`tx`: group commit's on SQLite, `postgresWrite`'s on PostgreSQL). What each table should hold is worked out here
 * from the rows written, not read from the code's answers.
 */

const { onBoth } = engines(t);

/** Every repository, with the listeners a delete and a restore run (revisions, the feed, the trash) registered as createRepositories does. */
function storesOn() {
  // The repositories' tools' finds still prepare on a SQLite connection when they are made (docs/postgresql.md): a scratch one.
  const scratch = openDatabase('file::memory:');
  t.teardown(() => scratch.close());
  const repositories = {
    articles: articleResource.repository(),
    people: personResource.repository(),
    organisations: organisationResource.repository(),
    meetings: meetingResource.repository(),
  };
  const repositoryOf = (name: ResourceName): Repository<Versioned, unknown> => repositories[name];
  const revisionsOf = revisionStore(repositories);
  const changesOf = changeStore();
  const trashOf = trashStore(
    resources.flatMap(({ name }) => repositories[name].linkTables),
    revisionsOf,
  );
  for (const { name } of resources) {
    repositories[name].onWrite(revisionsOf.follow(name));
    repositories[name].onWrite(changesOf.follow(name));
    repositories[name].onRemoving(trashOf.keep(name));
    repositories[name].onInserted(trashOf.takeBack(name));
  }
  const restoring = (name: ResourceName): Restoring => ({ resource: byResource((resource) => resource)[name], repository: repositoryOf(name), revisions: revisionsOf, trash: trashOf });
  return { repositories, revisions: revisionsOf, trash: trashOf, restoring };
}

const rowsOf = (table: SQLiteTable, ...order: Parameters<typeof asc>[0][]) =>
  statement
    .select()
    .from(table)
    .orderBy(...order.map((column) => asc(column)));
const tables = {
  organisations: rowsOf(organisations, organisations.slug),
  people: rowsOf(people, people.slug),
  affiliations: rowsOf(affiliations, affiliations.person_id, affiliations.position),
  participants: rowsOf(meetingParticipants, meetingParticipants.meeting_id, meetingParticipants.position),
  meetingOrganisations: rowsOf(meetingOrganisations, meetingOrganisations.meeting_id, meetingOrganisations.position),
  articleOrganisations: rowsOf(articleOrganisations, articleOrganisations.article_id, articleOrganisations.position),
  articlePeople: rowsOf(articlePeople, articlePeople.article_id, articlePeople.position),
  mentions: rowsOf(mentions, mentions.id),
  provenance: rowsOf(provenance, provenance.id),
  trash: statement.select({ resource: trash.resource, id: trash.record_id }).from(trash),
  revisions: statement
    .select({ resource: revisions.resource, id: revisions.record_id, n: revisions.n, action: revisions.action })
    .from(revisions)
    .orderBy(asc(revisions.resource), asc(revisions.record_id), asc(revisions.n)),
  changes: statement.select({ resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version }).from(changes).orderBy(asc(changes.seq)),
};

async function stateOf({ statements }: Engine) {
  const state = {} as { [table in keyof typeof tables]: Record<string, unknown>[] };
  for (const name of Object.keys(tables) as Array<keyof typeof tables>) state[name] = await statements.prepare<Record<string, unknown>>(tables[name]).all();
  return state;
}

/** A record's row without what a write stamps anew (the restore's create). */
const content = ({ version, created_at, updated_at, ...row }: Record<string, unknown>) => row;

const at = '2026-03-01T00:00:00.000Z';
const named = 'الوكالة';
const body = `زار وفد ${named} مقر الوزارة صباح اليوم.`;
/** What an editor writes before the body's text while the agency is in the trash: every span after it moves by its length. */
const prefix = 'عاجل: ';

/** The records: a ministry, its agency, a person affiliated with the agency, a meeting and an article naming both. */
async function written(engine: Engine, { repositories }: ReturnType<typeof storesOn>) {
  return engine.write(async (tx) => {
    const ministry = await repositories.organisations.create(tx, { slug: 'وزارة', name: 'وزارة الداخلية', kind: 'ministry', aliases: [] });
    const agency = await repositories.organisations.create(tx, { slug: 'وكالة', name: 'وكالة الوزارة', kind: 'agency', parent_id: ministry.id, aliases: [] });
    const person = await repositories.people.create(tx, { slug: 'سالم', name: 'سالم المطيري', aliases: [], affiliations: [{ organisation_id: agency.id, role: 'وكيل', acting: true }] });
    const meeting = await repositories.meetings.create(tx, {
      slug: 'اجتماع',
      title: 'اجتماع',
      status: 'held',
      starts_at: '2026-02-01',
      topics: [],
      outcomes: [],
      participants: [
        { person_id: person.id, organisation_id: agency.id, role: 'host' },
        { person_id: person.id, organisation_id: ministry.id, role: 'guest' },
      ],
      organisation_ids: [agency.id, ministry.id],
    });
    const articleInput = {
      slug: 'خبر',
      title: 'خبر',
      language: 'ar',
      body: [{ type: 'paragraph' as const, text: body }],
      person_ids: [person.id],
      organisation_ids: [agency.id, ministry.id],
      meeting_ids: [meeting.id],
    };
    const article = await repositories.articles.create(tx, articleInput);
    return { ministry, agency, person, meeting, article, articleInput };
  });
}

onBoth('a delete and a restore through the trash leave the rows as they were, the links others held put back, the kept spans moved onto the article’s text', async (t, engine) => {
  const stores = storesOn();
  const { ministry, agency, article, articleInput } = await written(engine, stores);
  const start = body.indexOf(named);
  await engine.insert(mentions, [{ id: 7, article_id: article.id, part: 'body', start, end: start + named.length, text: named, organisation_id: agency.id, origin: 'curated' }]);
  await engine.insert(provenance, [
    { id: 9, organisation_id: agency.id, field: 'name', value: 'وكالة الوزارة', article_id: article.id, part: 'body', start, end: start + named.length, quote: named, recorded_at: at },
  ]);
  const before = await stateOf(engine);

  t.equal(await engine.write((tx) => stores.repositories.organisations.remove(tx, agency.id, { writer: 'ed' })), true, 'the agency is deleted');
  const deleted = await stateOf(engine);
  t.strictSame(deleted.trash, [{ resource: 'organisations', id: agency.id }], 'into the trash');
  t.strictSame(
    [deleted.affiliations, deleted.meetingOrganisations, deleted.articleOrganisations, deleted.mentions, deleted.provenance],
    [[], before.meetingOrganisations.filter((row) => row.organisation_id !== agency.id), before.articleOrganisations.filter((row) => row.subject_id !== agency.id), [], []],
    'the links to it went with it',
  );
  t.strictSame(
    deleted.participants,
    before.participants.map((row) => (row.organisation_id === agency.id ? { ...row, organisation_id: null } : row)),
    'a participant’s organisation was set null',
  );

  // While it is in the trash, the article is edited: its list no longer names the agency, and its text moves; the
  // provenance's id is taken by another record's row.
  const other = {
    id: 9,
    person_id: null,
    organisation_id: ministry.id,
    meeting_id: null,
    field: 'name',
    value: 'وزارة الداخلية',
    article_id: null,
    part: null,
    start: null,
    end: null,
    quote: null,
    writer: 'ed',
    recorded_at: at,
  };
  await engine.insert(provenance, [other]);
  await engine.write((tx) => stores.repositories.articles.replace(tx, article.id, { ...articleInput, organisation_ids: [ministry.id], body: [{ type: 'paragraph' as const, text: prefix + body }] }));
  const restored = await engine.write((tx) => restoreTrashed(tx, stores.restoring('organisations'), agency.id, 'al'));
  t.match(restored, { id: agency.id, version: 3, slug: agency.slug, parent_id: ministry.id, members: [{ role: 'وكيل', acting: true }] }, 'restored at the number of its restore’s revision');
  const after = await stateOf(engine);
  t.strictSame(after.organisations.map(content), before.organisations.map(content), 'the record as it was');
  t.strictSame(after.affiliations, before.affiliations, 'the person’s affiliation with it, at its place');
  t.strictSame(after.participants, before.participants, 'the participant’s organisation set back');
  t.strictSame(after.meetingOrganisations, before.meetingOrganisations, 'the meeting’s list, at its place');
  t.strictSame(
    after.articleOrganisations,
    [
      { article_id: article.id, position: 0, subject_id: ministry.id },
      { article_id: article.id, position: 1, subject_id: agency.id },
    ],
    'the article’s list, its place taken by the edit: after the list’s last item',
  );
  const moved = { start: start + prefix.length, end: start + prefix.length + named.length };
  t.strictSame(after.mentions, [{ ...before.mentions[0], ...moved }], 'the mention, under its id, moved onto the text as edited');
  const requoted = after.provenance.filter((row) => row.id !== other.id);
  t.equal(after.provenance.length, 2, 'both rows');
  t.strictSame(
    after.provenance.find((row) => row.id === other.id),
    other,
    'the row that took the quote’s id, untouched',
  );
  t.strictSame(
    requoted.map((row) => ({ ...row, id: other.id })),
    [{ ...before.provenance[0], ...moved }],
    'the quote under a key the engine numbered, moved likewise',
  );
  t.strictSame(after.trash, [], 'the trash entry is gone');
  t.strictSame(
    after.revisions.filter((row) => row.id === agency.id).map(({ n, action }) => [n, action]),
    [
      [1, 'create'],
      [2, 'delete'],
      [3, 'restore'],
    ],
    'its revisions: the restore appended',
  );
  t.strictSame(
    after.changes.filter((row) => row.id === agency.id).map(({ action, version }) => [action, version]),
    [
      ['created', 1],
      ['trashed', 1],
      ['restored', 3],
    ],
    'its events: the restore appended',
  );
});

onBoth('a deleted record restored from an earlier revision comes back with that content and the links others held', async (t, engine) => {
  const stores = storesOn();
  const { agency, person } = await written(engine, stores);
  const { repositories } = stores;
  await engine.write((tx) => repositories.people.replace(tx, person.id, { slug: 'سالم', name: 'سالم بن فهد', aliases: ['أبو فهد'], affiliations: [] }));
  const before = await stateOf(engine);
  await engine.write((tx) => repositories.people.remove(tx, person.id, { writer: 'ed' }));
  t.strictSame((await stateOf(engine)).participants, [], 'the participant rows went with the person');

  const restored = await engine.write((tx) => restoreRevision(tx, stores.restoring('people'), person.id, 1, { writer: 'al' }));
  t.match(restored, { id: person.id, version: 4, name: 'سالم المطيري', aliases: [], affiliations: [{ role: 'وكيل', acting: true }] }, 'revision 1’s content, at version 4');
  const after = await stateOf(engine);
  t.strictSame(
    after.people.map(content),
    before.people.map((row) => ({ ...content(row), name: 'سالم المطيري', aliases: [] })),
    'the row holds revision 1’s values',
  );
  t.strictSame(after.affiliations, [{ person_id: person.id, position: 0, organisation_id: agency.id, role: 'وكيل', acting: true }], 'and its list');
  t.strictSame(after.participants, before.participants, 'the meeting’s participants, both at their places');
  t.strictSame(after.articlePeople, before.articlePeople, 'the article’s people');
  t.strictSame(after.trash, [], 'out of the trash');
  t.strictSame(
    after.revisions.filter((row) => row.id === person.id).map(({ n, action }) => [n, action]),
    [
      [1, 'create'],
      [2, 'update'],
      [3, 'delete'],
      [4, 'restore'],
    ],
  );
  t.strictSame(
    after.changes.filter((row) => row.id === person.id).map(({ action, version }) => [action, version]),
    [
      ['created', 1],
      ['updated', 2],
      ['trashed', 2],
      ['restored', 4],
    ],
  );

  // Read as a request reads them, on the read executor: the newest keeps only the lists, joined with the row.
  const newest = await stores.revisions.find(engine.statements, 'people', person.id, 4);
  const current = await engine.write((tx) => repositories.people.findIn(tx, person.id));
  t.strictSame(newest?.record, { ...current }, 'the newest revision reads as the record is');
  t.match(await stores.revisions.find(engine.statements, 'people', person.id, 2), {
    n: 2,
    action: 'update',
    writer: 'system',
    record: { name: 'سالم بن فهد', aliases: ['أبو فهد'], affiliations: [] },
  });
  t.equal(await stores.revisions.find(engine.statements, 'people', person.id, 5), null, 'no revision 5');
  t.strictSame(
    (await stores.revisions.page(engine.statements, 'people', person.id, 3)).rows.map(({ n }) => n),
    [4, 3, 2],
  );
});

onBoth('a parent cycle and an organisation in use are refused with the same codes, as the write’s transaction sees the rows', async (t, engine) => {
  const stores = storesOn();
  const { ministry, agency } = await written(engine, stores);
  const organisationsRepository = stores.repositories.organisations;
  const before = await stateOf(engine);
  await t.rejects(
    engine.write((tx) => organisationsRepository.replace(tx, ministry.id, { slug: 'وزارة', name: 'وزارة الداخلية', kind: 'ministry', parent_id: agency.id, aliases: [] })),
    { code: 'invalid_reference', errors: [{ path: 'parent_id' }] },
    'the ministry under its own agency',
  );
  await t.rejects(
    engine.write(async (tx) => {
      // A cycle through a row this transaction wrote: found only on the write's own executor.
      const office = await organisationsRepository.create(tx, { slug: 'مكتب', name: 'مكتب', kind: 'other', parent_id: agency.id, aliases: [] });
      return organisationsRepository.replace(tx, agency.id, { slug: 'وكالة', name: 'وكالة الوزارة', kind: 'agency', parent_id: office.id, aliases: [] });
    }),
    { code: 'invalid_reference' },
    'the agency under an office made under it in the same write',
  );
  await t.rejects(
    engine.write((tx) => organisationsRepository.remove(tx, ministry.id)),
    { code: 'in_use', message: /name it as their parent/ },
    'a parent',
  );
  await t.rejects(
    engine.write(async (tx) => {
      const host = await organisationsRepository.create(tx, { slug: 'مضيف', name: 'مضيف', kind: 'other', aliases: [] });
      await stores.repositories.meetings.create(tx, {
        slug: 'لقاء',
        title: 'لقاء',
        status: 'planned',
        topics: [],
        outcomes: [],
        host_organisation_id: host.id,
        participants: [],
        organisation_ids: [],
      });
      return organisationsRepository.remove(tx, host.id);
    }),
    { code: 'in_use', message: /hosts meetings/ },
    'the host of a meeting written in the same write',
  );
  t.strictSame(await stateOf(engine), before, 'nothing of the refused writes is left');
});
