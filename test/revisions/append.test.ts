import { inflateRawSync } from 'node:zlib';
import { asc, sql } from 'drizzle-orm';
import t from 'tap';
import { brokenConstraint } from '../../src/core/db/constraints.js';
import { type StatementExecutor, statement } from '../../src/core/db/statements.js';
import { appendRevision } from '../../src/core/revisions/store.js';
import { revisions } from '../../src/core/revisions/table.js';
import { engines } from '../engines.js';
import { aroundReads } from '../executors.js';

/*
 * A record's revisions appended in each engine's write transaction (core/revisions/store.ts, `appendRevision`):
 * group commit's `tx` on SQLite, `postgresWrite`'s on PostgreSQL. What each revision should hold is worked out here
 * from the records written, by the rules of migration 0017: the newest revision keeps only the relation lists, and
 * the next write stores it whole from the record it replaces.
 */

const { onBoth } = engines(t);

// A record's fields: `plain` is computed (no snapshot keeps it), `tags` a relation list.
const shape = { computedFields: ['plain'], relationFields: ['tags'] };
const first = { id: 'p1', version: 1, name: 'أول', tags: ['x'], plain: 'derived' };
const second = { id: 'p1', version: 2, name: 'ثان', tags: ['x', 'y'], plain: 'derived again' };
const { plain: _first, ...firstStored } = first;
const { plain: _second, ...secondStored } = second;

/** `tx` whose reads answer only once `readers` reads have been made, so no racer's insert comes before another's read. */
function readingTogether(tx: StatementExecutor, readers: number): StatementExecutor {
  let waiting = readers;
  let allRead: () => void = () => undefined;
  const together = new Promise<void>((resolve) => {
    allRead = resolve;
  });
  return aroundReads(tx, async (read) => {
    const row = await read();
    waiting -= 1;
    if (waiting === 0) allRead();
    await together;
    return row;
  });
}

const rows = statement
  .select({ n: revisions.n, action: revisions.action, relationsOnly: revisions.relations_only, writer: revisions.writer, snapshot: sql<Buffer>`${revisions.snapshot}` })
  .from(revisions)
  .orderBy(asc(revisions.resource), asc(revisions.record_id), asc(revisions.n));

onBoth('a create, a replace and a delete append the revisions migration 0017 describes; one that fails leaves nothing', async (t, engine) => {
  const stored = async () => (await engine.statements.prepare(rows).all()).map(({ snapshot, ...row }) => ({ ...row, snapshot: JSON.parse(inflateRawSync(snapshot).toString()) }));

  await engine.write((tx) => appendRevision(tx, shape, { resource: 'people', record: first, action: 'create', writer: 'ed', previous: null }));
  t.strictSame(await stored(), [{ n: 1, action: 'create', relationsOnly: true, writer: 'ed', snapshot: { tags: ['x'] } }], 'a create: revision 1 keeps the relation lists only');

  await t.rejects(
    engine.write(async (tx) => {
      await appendRevision(tx, shape, { resource: 'people', record: second, action: 'update', writer: 'ed', previous: first });
      throw new Error('undone');
    }),
    { message: 'undone' },
  );
  t.strictSame((await stored()).length, 1, 'a revision in a transaction that fails is not kept');
  t.strictSame((await stored())[0]?.relationsOnly, true, 'nor is the newest one made whole');

  await engine.write((tx) => appendRevision(tx, shape, { resource: 'people', record: second, action: 'update', writer: 'al', previous: first }));
  t.strictSame(
    await stored(),
    [
      { n: 1, action: 'create', relationsOnly: false, writer: 'ed', snapshot: firstStored },
      { n: 2, action: 'update', relationsOnly: true, writer: 'al', snapshot: { tags: ['x', 'y'] } },
    ],
    'a replace stores revision 1 whole from the record it replaced, and keeps the lists of revision 2',
  );

  await engine.write((tx) => appendRevision(tx, shape, { resource: 'people', record: second, action: 'delete', writer: 'ed', previous: second }));
  t.strictSame(
    (await stored()).slice(1),
    [
      { n: 2, action: 'update', relationsOnly: false, writer: 'al', snapshot: secondStored },
      { n: 3, action: 'delete', relationsOnly: false, writer: 'ed', snapshot: secondStored },
    ],
    'a delete stores revision 2 whole and keeps the deleted record whole, without its computed field',
  );

  await engine.write((tx) => appendRevision(tx, shape, { resource: 'people', record: { id: 'p2', version: 1, name: 'آخر', tags: [], plain: '' }, action: 'create', writer: 'ed', previous: null }));
  t.equal((await stored()).at(-1)?.n, 1, 'another record is numbered from 1');
});

onBoth('two appends of one record racing in one transaction break the key, refused on both engines, leaving nothing', async (t, engine) => {
  // Each reads the newest revision (none) before either inserts: both take number 1, whichever turn the write pauses on.
  const racing = engine.write((tx) => {
    const racers = readingTogether(tx, 2);
    return Promise.all([
      appendRevision(racers, shape, { resource: 'people', record: first, action: 'create', writer: 'ed', previous: null }),
      appendRevision(racers, shape, { resource: 'people', record: first, action: 'create', writer: 'al', previous: null }),
    ]);
  });
  const error = await racing.then(
    () => null,
    (failure: unknown) => failure,
  );
  t.equal(brokenConstraint(error), 'unique', "the engine's broken unique key, thrown as it is: a fault of the server's, not a taken slug");
  t.strictSame(await engine.statements.prepare(rows).all(), [], 'no revision is kept');
});
