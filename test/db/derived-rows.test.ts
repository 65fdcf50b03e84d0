import { asc, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import t from 'tap';
import { appendChange, changeOf } from '../../src/core/changes/store.js';
import { changes } from '../../src/core/changes/table.js';
import type { Bindings } from '../../src/core/db/statements.js';
import { statement } from '../../src/core/db/statements.js';
import { nameFormsRevision } from '../../src/core/facts/table.js';
import { articleBodyStarts, articles } from '../../src/core/resources/articles/table.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { people } from '../../src/core/resources/people/table.js';
import { type Engine, engines } from '../engines.js';

/*
 * What SQLite's triggers and AUTOINCREMENT keep, kept alike by PostgreSQL's (migrations/postgres/0002): the name
 * forms' revision, a long body's start, and the change feed's gapless seq, given the same statements on both
 * engines. The expected rows are written out from the inputs.
 */

const { onBoth } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const stamps = { version: 1, created_at: at, updated_at: at };

const write = (engine: Engine, text: ReturnType<typeof sql>, bindings: Bindings = {}) => engine.write((tx) => tx.prepare(text).run(bindings));
const readRevision = statement.select({ revision: nameFormsRevision.revision, previous: nameFormsRevision.previous }).from(nameFormsRevision);

onBoth("a change to a person's or an organisation's name forms, and only that, gives the name index a new revision", async (t, engine) => {
  const revision = async () => (await engine.statements.prepare(readRevision).get())!;
  let last = await revision();
  t.match(last.revision, /^[0-9a-f]{32}$/, 'the migration wrote the first revision: 32 hexadecimal digits');
  const expectChange = async (what: string, changed: boolean) => {
    const now = await revision();
    if (changed) {
      t.not(now.revision, last.revision, `${what}: a new revision`);
      t.equal(now.previous, last.revision, `${what}: the one before it is kept as previous`);
    } else t.strictSame(now, last, `${what}: the same revision`);
    last = now;
  };
  // Each step: the table, the row, the column set (or null to delete the row), its value, and whether the name forms changed.
  const steps: [string, SQLiteTable, string, string | null, string, boolean][] = [
    ["a person's position", people, 'p1', 'position', 'وزير', false],
    ['the same aliases written again', people, 'p1', 'aliases', '["أ"]', false],
    ['an alias added', people, 'p1', 'aliases', '["أ","ب"]', true],
    ['an honorific given', people, 'p1', 'honorific', 'الشيخ', true],
    ['the same name written again', people, 'p1', 'name', 'علي', false],
    ['a person deleted', people, 'p1', null, '', true],
    ["an organisation's slug", organisations, 'o1', 'slug', 'o-1', false],
    ["an organisation's name", organisations, 'o1', 'name', 'وزارة الخارجية', true],
    ["an organisation's aliases", organisations, 'o1', 'aliases', '["الخارجية"]', true],
    ['an organisation deleted', organisations, 'o1', null, '', true],
  ];
  await engine.insert(people, [{ id: 'p1', slug: 'p1', name: 'علي', honorific: null, position: null, country: null, aliases: ['أ'], ...stamps }]);
  await expectChange('a person created', true);
  await engine.insert(organisations, [{ id: 'o1', slug: 'o1', name: 'وزارة الداخلية', kind: 'ministry', country: null, parent_id: null, aliases: [], ...stamps }]);
  await expectChange('an organisation created', true);
  for (const [what, table, id, column, value, changed] of steps) {
    const where = sql`where ${sql.identifier('id')} = ${sql.placeholder('id')}`;
    const change = column === null ? sql`delete from ${table} ${where}` : sql`update ${table} set ${sql.identifier(column)} = ${sql.placeholder('value')} ${where}`;
    await write(engine, change, { id, value });
    await expectChange(what, changed);
  }
});

onBoth("a long body's start is kept beside it through inserts and updates; a short body has none", async (t, engine) => {
  const kept = 10_322;
  const paragraph = (length: number) => [{ type: 'paragraph' as const, text: 'خ'.repeat(length) }];
  const article = (id: string, body: ReturnType<typeof paragraph>) => ({
    id,
    slug: id,
    title: `title ${id}`,
    language: 'ar',
    summary: null,
    body,
    source: null,
    published_at: null,
    status: 'draft' as const,
    ...stamps,
  });
  const starts = async () =>
    engine.statements.prepare(statement.select({ id: articleBodyStarts.article_id, start: articleBodyStarts.start }).from(articleBodyStarts).orderBy(asc(articleBodyStarts.article_id))).all();
  // Each Arabic letter is one character on both engines and one UTF-16 unit in JavaScript, so slicing the JSON cuts where they cut.
  const startOf = (body: ReturnType<typeof paragraph>) => JSON.stringify(body).slice(0, kept);
  const long = paragraph(20_000);
  const justOver = paragraph(kept); // its JSON is longer than `kept` by its punctuation
  const within = paragraph(kept - JSON.stringify(paragraph(0)).length);
  t.equal(JSON.stringify(within).length, kept, 'the body that fits has exactly the bound');

  await engine.insert(articles, [article('a1', long), article('a2', within), article('a3', justOver)]);
  t.strictSame(
    await starts(),
    [
      { id: 'a1', start: startOf(long) },
      { id: 'a3', start: startOf(justOver) },
    ],
    'inserted: the two bodies past the bound have their starts',
  );
  const setBody = (id: string, body: ReturnType<typeof paragraph>) =>
    write(engine, sql`update ${articles} set ${sql.identifier('body')} = ${sql.placeholder('body')} where ${articles.id} = ${sql.placeholder('id')}`, { id, body: JSON.stringify(body) });
  await setBody('a1', within);
  await setBody('a2', long);
  const longer = paragraph(30_000).map((block) => ({ ...block, text: `ب${block.text}` }));
  await setBody('a3', longer);
  t.strictSame(
    await starts(),
    [
      { id: 'a2', start: startOf(long) },
      { id: 'a3', start: startOf(longer) },
    ],
    'updated: a body cut short loses its start, a body grown long gains one, a long body changed has its new start',
  );
  await write(engine, sql`update ${articles} set ${sql.identifier('title')} = ${sql.placeholder('title')} where ${articles.id} = ${sql.placeholder('id')}`, { id: 'a2', title: 'another' });
  t.strictSame(
    (await starts()).map(({ id }) => id),
    ['a2', 'a3'],
    'a title changed leaves the starts',
  );
  await write(engine, sql`delete from ${articles} where ${articles.id} = ${sql.placeholder('id')}`, { id: 'a3' });
  t.strictSame(
    (await starts()).map(({ id }) => id),
    ['a2'],
    'a deleted article takes its start with it',
  );
});

const appendEvent = sql<{
  seq: number;
}>`insert into ${changes} (${sql.identifier('resource')}, ${sql.identifier('record_id')}, ${sql.identifier('action')}, ${sql.identifier('version')}, ${sql.identifier('at')})
  values ('articles', ${sql.placeholder('id')}, 'created', 1, ${at}) returning ${sql.identifier('seq')}`;
const seqs = statement.select({ seq: changes.seq, id: changes.record_id }).from(changes).orderBy(asc(changes.seq));

onBoth("the change feed's events are numbered 1, 2, 3 with no gap left by a write that failed", async (t, engine) => {
  const append = (id: string) => engine.write(async (tx) => Number((await tx.prepare(appendEvent).get({ id }))!.seq));
  t.equal(await append('a1'), 1);
  t.equal(await append('a2'), 2);
  await t.rejects(
    engine.write(async (tx) => {
      await tx.prepare(appendEvent).get({ id: 'undone' });
      throw new Error('the write fails after its event');
    }),
    /the write fails/,
  );
  t.equal(await append('a3'), 3, 'the failed write gave its number back');
  await write(engine, sql`delete from ${changes} where ${changes.seq} < 3`);
  t.equal(await append('a4'), 4, 'pruned events do not bring the count back');
  t.strictSame(await engine.statements.prepare(seqs).all(), [
    { seq: 3, id: 'a3' },
    { seq: 4, id: 'a4' },
  ]);
});

onBoth('writes appending at once take seqs 1, 2, 3 in the order they commit, each at its first attempt', async (t, engine) => {
  const writers = 12;
  let attempts = 0;
  const committed: number[] = [];
  const appending = (i: number) =>
    engine
      .write(async (tx) => {
        attempts += 1;
        const { seq } = await appendChange(tx, changeOf('articles', `a${i}`, 'created', 1), Date.now());
        // A pause inside the transaction, so that the others come while it is open.
        await new Promise((resolve) => setTimeout(resolve, 2));
        return seq;
      })
      .then((seq) => {
        committed.push(seq);
        return seq;
      });
  const outcomes = await Promise.allSettled(Array.from({ length: writers }, (_, i) => appending(i)));
  t.equal(outcomes.filter(({ status }) => status === 'rejected').length, 0, 'every write committed');
  t.equal(attempts, writers, 'no write ran twice: none was refused for meeting another');
  t.strictSame(
    committed,
    Array.from({ length: writers }, (_, i) => i + 1),
    'seqs 1 to 12, no gap, in the order the writes committed',
  );
  t.strictSame(
    (await engine.statements.prepare(seqs).all()).map(({ seq }) => seq),
    committed,
    'the feed holds those',
  );
});
