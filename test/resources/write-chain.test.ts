import { inflateRawSync } from 'node:zlib';
import { asc, sql } from 'drizzle-orm';
import t from 'tap';
import { changeStore } from '../../src/core/changes/store.js';
import { changes } from '../../src/core/changes/table.js';
import { openDatabase } from '../../src/core/db/database.js';
import { statement } from '../../src/core/db/statements.js';
import { articleRepository } from '../../src/core/resources/articles/repository.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { personRepository } from '../../src/core/resources/people/repository.js';
import { affiliations, people } from '../../src/core/resources/people/table.js';
import { revisionStore } from '../../src/core/revisions/store.js';
import { revisions } from '../../src/core/revisions/table.js';
import { webhookDeliveries, webhooks } from '../../src/core/webhooks/table.js';
import { type Engine, engines } from '../engines.js';

/*
 * A record's write chain on each engine's write transaction (`tx`: group commit's on SQLite, `postgresWrite`'s on
 * PostgreSQL): the repository's insert, per-column-set update and delete, its relation list, the check of its
 * references, and the revisions' and the change feed's listeners with the deliveries they queue. What each table
 * should hold is worked out here from the inputs written, not read from the code's answers.
 */

const { onBoth } = engines(t);

const at = '2026-03-01T00:00:00.000Z';
const ministry = { id: 'o1', slug: 'وزارة', name: 'وزارة الداخلية', kind: 'ministry' as const, country: 'KW', parent_id: null, aliases: [], version: 1, created_at: at, updated_at: at };
const hook = {
  id: 'h1',
  url: 'https://hooks.example/h1',
  secret: 's',
  resources: ['people' as const],
  actions: ['created' as const, 'updated' as const, 'trashed' as const],
  created_at: at,
  updated_at: at,
};

/** The people repository on an engine, with the two listeners this chain owns registered as createRepositories does. */
function chainOn() {
  // The repository's tools' finds and lists still prepare on a SQLite connection when it is made (docs/postgresql.md): a scratch one.
  const scratch = openDatabase('file::memory:');
  t.teardown(() => scratch.close());
  const repository = personRepository();
  repository.onWrite(revisionStore({ people: repository }).follow('people'));
  repository.onWrite(changeStore().follow('people'));
  return repository;
}

const personRows = statement
  .select({ id: people.id, slug: people.slug, name: people.name, honorific: people.honorific, position: people.position, country: people.country, aliases: people.aliases, version: people.version })
  .from(people)
  .orderBy(asc(people.slug));
const affiliationRows = statement
  .select({ person: affiliations.person_id, position: affiliations.position, organisation: affiliations.organisation_id, role: affiliations.role, acting: affiliations.acting })
  .from(affiliations)
  .orderBy(asc(affiliations.person_id), asc(affiliations.position));
const revisionRows = statement
  .select({ id: revisions.record_id, n: revisions.n, action: revisions.action, writer: revisions.writer, relationsOnly: revisions.relations_only, snapshot: sql<Buffer>`${revisions.snapshot}` })
  .from(revisions)
  .orderBy(asc(revisions.record_id), asc(revisions.n));
const changeRows = statement.select({ seq: changes.seq, resource: changes.resource, id: changes.record_id, action: changes.action, version: changes.version }).from(changes).orderBy(asc(changes.seq));
const stampsOf = statement
  .select({ created_at: people.created_at, updated_at: people.updated_at })
  .from(people)
  .where(sql`${people.id} = ${sql.placeholder('id')}`);
const deliveryRows = statement
  .select({ webhook: webhookDeliveries.webhook_id, seq: webhookDeliveries.seq, status: webhookDeliveries.status })
  .from(webhookDeliveries)
  .orderBy(asc(webhookDeliveries.seq));

async function stateOf({ statements }: Engine) {
  return {
    people: await statements.prepare(personRows).all(),
    affiliations: await statements.prepare(affiliationRows).all(),
    revisions: (await statements.prepare(revisionRows).all()).map(({ snapshot, ...row }) => ({ ...row, snapshot: JSON.parse(inflateRawSync(snapshot).toString()) as Record<string, unknown> })),
    changes: await statements.prepare(changeRows).all(),
    deliveries: await statements.prepare(deliveryRows).all(),
  };
}

onBoth('a create, replaces and a delete leave the same rows on both engines, each derived from what was written', async (t, engine) => {
  await engine.insert(organisations, [ministry]);
  await engine.insert(webhooks, [hook]);
  const repository = chainOn();
  const input = { slug: 'سالم', name: 'سالم المطيري', honorific: 'العقيد', country: 'KW', aliases: ['أبو فهد'], affiliations: [{ organisation_id: ministry.id, role: 'وكيل', acting: true }] };
  const { id } = await engine.write((tx) => repository.create(tx, input, { writer: 'ed' }));
  const { affiliations: listed, ...columns } = input;
  /** The stored row: the input's columns with `changed` over them, a left-out column null. */
  const expectedPerson = (changed: { name?: string; honorific?: string | null }, version: number) => ({ id, ...columns, position: null, ...changed, version });
  /** The record as a read answers it, timestamps as stored: what a revision stored whole holds. */
  const recordOf = async (changed: { name?: string; honorific?: string | null }, version: number) => ({
    ...expectedPerson(changed, version),
    ...(await engine.statements.prepare(stampsOf).get({ id })),
    affiliations: listed.map((item) => ({ ...item })),
  });
  const asCreated = await recordOf({}, 1);
  const linked = [{ person: id, position: 0, organisation: ministry.id, role: 'وكيل', acting: true }];
  let state = await stateOf(engine);
  t.strictSame(state.people, [expectedPerson({}, 1)], 'the record as written, at version 1');
  t.strictSame(state.affiliations, linked, 'its list, in the order given');
  t.strictSame(
    state.revisions.map(({ snapshot, ...revision }) => revision),
    [{ id, n: 1, action: 'create', writer: 'ed', relationsOnly: true }],
    'revision 1, by its writer',
  );
  t.strictSame(state.revisions[0]!.snapshot, { affiliations: [{ organisation_id: ministry.id, role: 'وكيل', acting: true }] }, 'which keeps the list only');
  t.strictSame(state.changes, [{ seq: 1, resource: 'people', id, action: 'created', version: 1 }], 'one created event');
  t.strictSame(state.deliveries, [{ webhook: hook.id, seq: 1, status: 'pending' }], 'and its delivery to the webhook that asked for it');

  await engine.write((tx) => repository.replace(tx, id, { ...input, name: 'سالم بن فهد', honorific: null }, { writer: 'al' }));
  state = await stateOf(engine);
  t.strictSame(state.people, [expectedPerson({ name: 'سالم بن فهد', honorific: null }, 2)], 'a replace writes the columns it changes, at version 2');
  t.strictSame(state.affiliations, linked, 'the list written again as it was');
  t.strictSame(
    state.changes.map(({ seq, action, version }) => [seq, action, version]),
    [
      [1, 'created', 1],
      [2, 'updated', 2],
    ],
  );

  await engine.write((tx) => repository.replace(tx, id, { ...input, name: 'سالم بن فهد', honorific: null }, { writer: 'al' }));
  state = await stateOf(engine);
  t.strictSame(state.people, [expectedPerson({ name: 'سالم بن فهد', honorific: null }, 3)], 'a replace that changes no stored value moves the version only');
  t.strictSame(
    state.revisions.map(({ n, action, writer, relationsOnly }) => [n, action, writer, relationsOnly]),
    [
      [1, 'create', 'ed', false],
      [2, 'update', 'al', false],
      [3, 'update', 'al', true],
    ],
    'a revision for each write, the ones before the newest stored whole',
  );
  t.strictSame(state.revisions[0]!.snapshot, asCreated, 'revision 1 whole: the record as created');
  const beforeDelete = await recordOf({ name: 'سالم بن فهد', honorific: null }, 3);

  t.equal(await engine.write((tx) => repository.remove(tx, id, { writer: 'ed' })), true, 'a delete');
  state = await stateOf(engine);
  t.strictSame([state.people, state.affiliations], [[], []], 'the row and its list are gone');
  t.strictSame(state.revisions.at(-1)!, {
    id,
    n: 4,
    action: 'delete',
    writer: 'ed',
    relationsOnly: false,
    snapshot: beforeDelete,
  });
  t.strictSame(
    state.changes.map(({ seq, action, version }) => [seq, action, version]),
    [
      [1, 'created', 1],
      [2, 'updated', 2],
      [3, 'updated', 3],
      [4, 'trashed', 3],
    ],
    'the feed: created, updated twice, trashed at the version deleted',
  );
  t.strictSame(
    state.deliveries.map(({ seq }) => seq),
    [1, 2, 3, 4],
    'a delivery for each event',
  );
});

onBoth('a taken slug and a missing reference are refused with the same codes on both engines; a write failing midway leaves nothing', async (t, engine) => {
  await engine.insert(organisations, [ministry]);
  await engine.insert(webhooks, [hook]);
  const repository = chainOn();
  await engine.write((tx) => repository.create(tx, { slug: 'سالم', name: 'سالم المطيري' }));
  const before = await stateOf(engine);
  await t.rejects(
    engine.write((tx) => repository.create(tx, { slug: 'سالم', name: 'سالم آخر' })),
    { code: 'slug_taken', errors: [{ path: 'slug' }] },
    'a slug another person has',
  );
  await t.rejects(
    engine.write((tx) => repository.create(tx, { slug: 'فهد', name: 'فهد العنزي', affiliations: [{ organisation_id: 'nowhere' }] })),
    { code: 'unknown_reference', errors: [{ path: 'affiliations.0.organisation_id' }] },
    'an organisation that does not exist',
  );
  await t.rejects(
    engine.write(async (tx) => {
      await repository.create(tx, { slug: 'نايف', name: 'نايف الشمري', affiliations: [{ organisation_id: ministry.id }] });
      throw new Error('undone');
    }),
    { message: 'undone' },
  );
  t.strictSame(await stateOf(engine), before, 'no row, link, revision, event or delivery of the refused and the failed writes');
});

onBoth('the references a write makes are checked together: each missing one named in order, an id of another table not taken for one', async (t, engine) => {
  await engine.insert(organisations, [ministry]);
  const person = await engine.write((tx) => chainOn().create(tx, { slug: 'سالم', name: 'سالم المطيري' }));
  const repository = articleRepository();
  const article = { slug: 'تقرير', title: 'تقرير', language: 'ar', body: [{ type: 'paragraph' as const, text: 'فقرة.' }] };
  await t.rejects(
    engine.write((tx) => repository.create(tx, { ...article, person_ids: [person.id, ministry.id, 'nobody'], organisation_ids: [ministry.id, person.id] })),
    {
      code: 'unknown_reference',
      errors: [
        { path: 'person_ids.1', message: `no record with id ${ministry.id}` },
        { path: 'person_ids.2', message: 'no record with id nobody' },
        { path: 'organisation_ids.1', message: `no record with id ${person.id}` },
      ],
    },
    "an organisation's id given as a person's, and a person's as an organisation's, are missing references",
  );
  const created = await engine.write((tx) => repository.create(tx, { ...article, person_ids: [person.id], organisation_ids: [ministry.id] }));
  t.strictSame([created.person_ids, created.organisation_ids], [[person.id], [ministry.id]], 'references that exist are written');
});
