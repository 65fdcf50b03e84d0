import t, { type Test } from 'tap';
import { type StatementExecutor, statement } from '../../src/core/db/statements.js';
import { type NewMention, relocateCuratedMentions, setAutoMentions, setAutoMentionsOfMany, setCuratedMentions } from '../../src/core/facts/mentions.js';
import { recordWrite, relocateQuotes, setQuotes, unsourcedChanges } from '../../src/core/facts/provenance.js';
import { mentions, provenance } from '../../src/core/facts/table.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { organisations } from '../../src/core/resources/organisations/table.js';
import { people } from '../../src/core/resources/people/table.js';
import { type Engine, engines } from '../engines.js';

/*
 * The mentions and provenance an article's or an entity's write derives (facts/mentions.ts, provenance.ts), one
 * set of statements on both engines, run in a write's transaction: the rows each leaves, read back through the same
 * selects on both, against rows this test derives from its inputs.
 */

const { onBoth } = engines(t);

const at = '2026-01-01T00:00:00.000Z';
const stamps = { version: 1, created_at: at, updated_at: at };
const title = 'وزير الداخلية يلتقي نظيره';
const body = 'بحث الوزيران التعاون الامني';
const articleRow = {
  id: 'a1',
  slug: 'لقاء',
  title,
  body: [{ type: 'paragraph' as const, text: body }],
  language: 'ar',
  summary: null,
  source: null,
  status: 'published' as const,
  published_at: at,
  ...stamps,
};
const personRow = { id: 'p1', slug: 'علي', name: 'علي العدواني', honorific: null, position: 'وزير الداخلية', country: 'KW', aliases: [], ...stamps };
const organisationRow = { id: 'o1', slug: 'الداخلية', name: 'وزارة الداخلية', kind: 'ministry' as const, country: 'KW', parent_id: null, aliases: [], ...stamps };

/** A span of the article naming an entity, found where `text` is in `part`. */
function span(part: 'title' | 'body', text: string, entity: NewMention['entity'], texts = { title, body }): NewMention {
  const start = texts[part].indexOf(text);
  if (start < 0) throw new Error(`${text} is not in the ${part}`);
  return { part, start, end: start + text.length, text, entity };
}
const person = { type: 'person', id: 'p1' } as const;
const organisation = { type: 'organisation', id: 'o1' } as const;
const none = { person_id: null, organisation_id: null, meeting_id: null };
const mentionRow = (id: number, origin: 'curated' | 'auto', { part, start, end, text, entity }: NewMention, articleId = 'a1') => ({
  id,
  article_id: articleId,
  part,
  start,
  end,
  text,
  ...none,
  [`${entity.type}_id`]: entity.id,
  origin,
});

const storedMentions = (engine: Engine) => engine.statements.prepare(statement.select().from(mentions).orderBy(mentions.id)).all();
const storedProvenance = async (t: Test, engine: Engine) =>
  (await engine.statements.prepare(statement.select().from(provenance).orderBy(provenance.id)).all()).map(({ recorded_at, ...row }) => {
    t.match(recorded_at, /^\d{4}-\d\d-\d\dT/, 'recorded at a time');
    return row;
  });

async function seeded(engine: Engine) {
  await engine.insert(people, [personRow]);
  await engine.insert(organisations, [organisationRow]);
  await engine.insert(articles, [articleRow]);
}

/** A curated mention as another write stored it, under a key above those the engine numbers here. */
const curated = span('title', 'الداخلية', organisation);

/** The two ways a write stores an article's automatic mentions: its own write's, and a bulk relink's (many articles to a statement). */
const autoMentionWriters: Array<[string, (tx: StatementExecutor, items: NewMention[]) => Promise<void>]> = [
  ['one article', (tx, items) => setAutoMentions(tx, 'a1', items)],
  ['a bulk relink of one article', (tx, items) => setAutoMentionsOfMany(tx, [{ articleId: 'a1', items }])],
];

for (const [writer, setAuto] of autoMentionWriters) {
  onBoth(`an article's automatic mentions (${writer}): added, kept (with their rows) when found again, removed when not, never over a curated one`, async (t, engine) => {
    await seeded(engine);
    await engine.insert(mentions, [mentionRow(100, 'curated', curated)]);
    const overCurated = span('title', 'وزير الداخلية', person);
    const [minister, ministers] = [span('title', 'وزير', person), span('body', 'الوزيران', organisation)];
    await engine.write((tx) => setAuto(tx, [overCurated, minister, ministers]));
    const first = await storedMentions(engine);
    t.equal(first.length, 3, 'the curated mention and two automatic ones: the one over the curated is left out');
    /** The rows expected, in key order, each automatic one under the key the engine gave it (found by its text). */
    const expected = (rows: typeof first, auto: NewMention[]) =>
      [...auto.map((mention) => mentionRow(rows.find((row) => row.origin === 'auto' && row.text === mention.text)?.id ?? -1, 'auto', mention)), mentionRow(100, 'curated', curated)].sort(
        (x, y) => x.id - y.id,
      );
    t.strictSame(first, expected(first, [minister, ministers]), 'as linked');

    const cooperation = span('body', 'التعاون', organisation);
    await engine.write((tx) => setAuto(tx, [minister, cooperation]));
    const second = await storedMentions(engine);
    t.strictSame(second, expected(second, [minister, cooperation]), 'the rows: the one not found again is gone, the new one added');
    t.equal(second.find((row) => row.text === 'وزير')?.id, first.find((row) => row.text === 'وزير')?.id, 'the mention found again keeps its row');
  });
}

onBoth("many articles' automatic mentions to a statement: each article's rows are its own (added to, removed, unchanged; one left out is untouched)", async (t, engine) => {
  await seeded(engine);
  // More articles of the same texts: a mention put on the wrong article would look like a right one but for its article.
  await engine.insert(
    articles,
    ['a2', 'a3', 'a4', 'a5'].map((id) => ({ ...articleRow, id, slug: `لقاء-${id}` })),
  );
  const [minister, ministers, overCurated] = [span('title', 'وزير', person), span('body', 'الوزيران', organisation), span('title', 'وزير الداخلية', person)];
  const cooperation = span('body', 'التعاون', organisation);
  const before = [
    mentionRow(100, 'auto', minister, 'a1'),
    mentionRow(101, 'auto', ministers, 'a2'),
    mentionRow(102, 'auto', minister, 'a3'),
    mentionRow(103, 'curated', curated, 'a3'),
    mentionRow(104, 'auto', ministers, 'a4'),
    mentionRow(105, 'auto', minister, 'a5'),
  ];
  await engine.insert(mentions, before);
  await engine.write((tx) =>
    setAutoMentionsOfMany(tx, [
      { articleId: 'a1', items: [minister, cooperation, overCurated] },
      { articleId: 'a2', items: [] },
      { articleId: 'a3', items: [minister, overCurated, ministers] },
      { articleId: 'a4', items: [ministers] },
    ]),
  );
  const rows = await storedMentions(engine);
  // The rows added are numbered by the engine (SQLite past the rows written, PostgreSQL's identity from 1): found by their article and text.
  const isNew = (id: number) => !before.some((row) => row.id === id);
  const added = (articleId: string, mention: NewMention) =>
    mentionRow(rows.find((row) => isNew(row.id) && row.article_id === articleId && row.text === mention.text)?.id ?? -1, 'auto', mention, articleId);
  t.strictSame(
    rows,
    [
      // a1: its mention found again keeps its row; two added, one of them over a3's curated mention, which a1 has not.
      mentionRow(100, 'auto', minister, 'a1'),
      added('a1', cooperation),
      added('a1', overCurated),
      // a2: its mention removed, none added. a3: one kept, one added, the one over its curated mention left out.
      mentionRow(102, 'auto', minister, 'a3'),
      mentionRow(103, 'curated', curated, 'a3'),
      added('a3', ministers),
      // a4: unchanged. a5: not linked, untouched.
      mentionRow(104, 'auto', ministers, 'a4'),
      mentionRow(105, 'auto', minister, 'a5'),
    ].sort((x, y) => x.id - y.id),
    "each article's rows as its own items make them",
  );
});

onBoth("an edit's curated mentions and quotes move with their text; a mention whose text is gone goes, a quote stays without offsets", async (t, engine) => {
  await seeded(engine);
  const cooperation = span('body', 'التعاون', organisation);
  await engine.insert(mentions, [mentionRow(100, 'curated', curated), mentionRow(101, 'curated', cooperation)]);
  const quote = (id: number, field: string, part: 'title' | 'body', text: string, texts = { title, body }) => ({
    id,
    ...none,
    person_id: 'p1',
    field,
    value: text,
    article_id: 'a1',
    part,
    start: texts[part].indexOf(text),
    end: texts[part].indexOf(text) + text.length,
    quote: text,
    writer: null,
  });
  await engine.insert(provenance, [
    { ...quote(100, 'position', 'body', 'الوزيران'), recorded_at: at },
    { ...quote(101, 'name', 'body', 'التعاون'), recorded_at: at },
  ]);
  const after = { title: `اليوم ${title}`, body: body.replace('التعاون', 'العمل').replace('بحث', 'ناقش') };
  await engine.write(async (tx) => {
    await relocateCuratedMentions(tx, 'a1', { title, body }, after);
    await relocateQuotes(tx, 'a1', { title, body }, after);
  });
  const moved = await storedMentions(engine);
  t.equal(moved.length, 1, 'one curated mention: the one whose text is gone is dropped');
  t.strictSame(
    moved.map(({ id, ...row }) => row),
    [mentionRow(0, 'curated', span('title', 'الداخلية', organisation, after))].map(({ id, ...row }) => row),
    "moved by the title's new start",
  );
  t.strictSame(
    await storedProvenance(t, engine),
    [quote(100, 'position', 'body', 'الوزيران', after), { ...quote(101, 'name', 'body', 'التعاون'), start: null, end: null }],
    'a quote moved to its text, and one no longer in the text without offsets',
  );
});

onBoth("a writer's record replaces a changed field's sources, those under it too; a field with a record is not unsourced", async (t, engine) => {
  await seeded(engine);
  const quoted = (id: number, field: string, entity: 'person_id' | 'organisation_id') => ({
    id,
    ...none,
    [entity]: entity === 'person_id' ? 'p1' : 'o1',
    field,
    value: 'قيمة',
    article_id: 'a1',
    part: 'body' as const,
    start: 0,
    end: 3,
    quote: 'بحث',
    writer: null,
    recorded_at: at,
  });
  await engine.insert(provenance, [quoted(100, 'aliases.0', 'person_id'), quoted(101, 'name', 'person_id'), quoted(102, 'aliases.0', 'organisation_id'), quoted(103, 'aliasesque', 'person_id')]);
  const changes = [
    { field: 'aliases', value: ['أبو علي'] },
    { field: 'position', value: 'وزير' },
  ];
  await engine.write((tx) => recordWrite(tx, person, changes, 'editor'));
  const rows = await storedProvenance(t, engine);
  const written = rows.filter((row) => row.writer === 'editor');
  const without = ({ recorded_at, ...row }: ReturnType<typeof quoted>) => row;
  t.strictSame(
    rows.filter((row) => row.writer === null),
    [quoted(101, 'name', 'person_id'), quoted(102, 'aliases.0', 'organisation_id'), quoted(103, 'aliasesque', 'person_id')].map(without),
    "the person's alias record is gone; its name's, another field's that only starts alike and the organisation's stay",
  );
  t.strictSame(
    written.map(({ id, ...row }) => row),
    changes.map(({ field, value }) => ({ ...none, person_id: 'p1', field, value, article_id: null, part: null, start: null, end: null, quote: null, writer: 'editor' })),
    'a record of the writer per changed field, its value as written (JSON)',
  );
  const unsourced = await engine.write((tx) =>
    unsourcedChanges(tx, person, [
      { field: 'name', value: 'x' },
      { field: 'honorific', value: 'الشيخ' },
      { field: 'aliases', value: [] },
    ]),
  );
  t.strictSame(unsourced, [{ field: 'honorific', value: 'الشيخ' }], 'only the field without a record');
  t.strictSame(await engine.write((tx) => unsourcedChanges(tx, organisation, [{ field: 'aliases', value: [] }])), [], "a field is sourced by a record under it (the organisation's aliases.0)");
});

onBoth('a write that fails after its mentions and provenance leaves neither', async (t, engine) => {
  await seeded(engine);
  await t.rejects(
    engine.write(async (tx) => {
      await setAutoMentions(tx, 'a1', [span('title', 'وزير', person)]);
      await recordWrite(tx, person, [{ field: 'position', value: 'وزير' }], 'editor');
      throw new Error('the write fails');
    }),
    { message: 'the write fails' },
  );
  t.strictSame(await storedMentions(engine), [], 'no mention');
  t.strictSame(await storedProvenance(t, engine), [], 'no provenance');
});

onBoth("the seed's curated mentions: they replace the curated ones, drop the automatic ones they overlap, and keep the others' rows", async (t, engine) => {
  await seeded(engine);
  const [minister, ministers] = [span('title', 'وزير', person), span('body', 'الوزيران', organisation)];
  await engine.insert(mentions, [mentionRow(100, 'curated', curated), mentionRow(101, 'auto', minister), mentionRow(102, 'auto', ministers)]);
  const overMinister = span('title', 'وزير الداخلية', person);
  await engine.write((tx) => setCuratedMentions(tx, 'a1', [overMinister]));
  const rows = await storedMentions(engine);
  // Numbered by the engine: SQLite past the rows written, PostgreSQL's identity from 1.
  const added = rows.find((row) => row.origin === 'curated')?.id ?? -1;
  t.strictSame(
    rows,
    [mentionRow(102, 'auto', ministers), mentionRow(added, 'curated', overMinister)].sort((x, y) => x.id - y.id),
    'the earlier curated one and the automatic one under the new one are gone, the other keeps its row',
  );
});

onBoth("the seed's quotes replace every record of the entity, each where its quote is; a quote not in the article writes nothing", async (t, engine) => {
  await seeded(engine);
  await engine.write((tx) => recordWrite(tx, person, [{ field: 'position', value: 'وزير' }], 'editor'));
  const source = { id: 'a1', title, body };
  const quoted = [
    { field: 'position', value: 'وزير الداخلية', quote: 'وزير الداخلية' },
    { field: 'name', value: 'علي العدواني', quote: 'الامني' },
  ];
  await engine.write((tx) => setQuotes(tx, person, source, quoted));
  const expected = quoted.map(({ field, value, quote }) => {
    const part = body.includes(quote) ? 'body' : 'title';
    const start = source[part].indexOf(quote);
    return { ...none, person_id: 'p1', field, value, article_id: 'a1', part, start, end: start + quote.length, quote, writer: null };
  });
  t.strictSame(
    (await storedProvenance(t, engine)).map(({ id, ...row }) => row),
    expected,
    "the writer's record is gone; each quote found in the body first, else the title",
  );
  const before = await storedProvenance(t, engine);
  await t.rejects(
    engine.write((tx) => setQuotes(tx, person, source, [{ field: 'country', value: 'KW', quote: 'الكويت' }])),
    /the quote is not in the article/,
  );
  t.strictSame(await storedProvenance(t, engine), before, 'a quote not in the article fails the write, which changes nothing');
});
