import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import t from 'tap';
import { databaseOf } from '../../src/core/db/handles.js';
import { newId } from '../../src/core/db/ids.js';
import { connectionExecutors } from '../../src/core/db/sqlite-write.js';
import { articleList } from '../../src/core/resources/articles/list.js';
import { meetingList } from '../../src/core/resources/meetings/list.js';
import { organisationList } from '../../src/core/resources/organisations/list.js';
import { personList } from '../../src/core/resources/people/list.js';
import { rebuildSearchIndex } from '../../src/core/search/analyser-version.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { substringColumns } from '../../src/core/search/substrings.js';
import type { App } from '../../src/web/app.js';
import { operatorsOf } from '../../src/web/list/params.js';
import { cost } from '../budget.js';
import { auth, body, build, readRows, recordStatements, sqliteOnly } from '../helper.js';

const json = { ...auth, 'content-type': 'application/json' };
const containing = (path: string, field: string, value: string) => `/v1/${path}?filter%5B${field}%5D%5Bcontains%5D=${encodeURIComponent(value)}&fields=id&limit=100`;

const postArticle = (app: App, slug: string, title: string) =>
  app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: { slug, title, language: 'ar', body: [{ type: 'paragraph', text: 'نص' }] } });

/** Titles that share letters, marks, spaces and quotes, so that needles cut from one are often in others too. */
const alphabet = [...'ابتثجحعلمنيةىأإآـًٌَُِّْ٣'.split(''), ' ', '"', "'", 'a', 'A', 'é', '👍', '*', ':'];
const titleArbitrary = fc.string({ unit: fc.constantFrom(...alphabet), minLength: 3, maxLength: 24 });

t.test('contains finds exactly the titles that hold the value, from the trigram index or row by row', async (t) => {
  const app = await build(t);
  const titles = fc.sample(titleArbitrary, { numRuns: 60, seed: 8 });
  for (const [i, title] of titles.entries()) {
    const created = await postArticle(app, `مقطع-${i}`, title);
    t.equal(created.statusCode, 201, title);
  }
  const stored = await readRows(app, sql<{ id: string; title: string }>`select id, title from articles`);

  const cutFromTitle = fc.tuple(fc.constantFrom(...titles), fc.nat(), fc.integer({ min: 1, max: 8 })).map(([title, start, length]) => {
    const chars = [...title];
    const from = start % chars.length;
    return chars.slice(from, from + length).join('');
  });
  await fc.assert(
    fc.asyncProperty(fc.oneof(cutFromTitle, titleArbitrary), async (needle) => {
      const response = await app.inject({ url: containing('articles', 'title', needle) });
      if (response.statusCode !== 200) return false;
      const found = body(response)
        .data.map((r: { id: string }) => r.id)
        .sort();
      const expected = stored
        .filter((a) => a.title.includes(needle))
        .map((a) => a.id)
        .sort();
      return JSON.stringify(found) === JSON.stringify(expected) && body(response).meta.total === expected.length;
    }),
    { numRuns: 300, seed: 29 },
  );
  t.pass('300 values agree with String.prototype.includes');

  const caseFolded = await app.inject({ url: containing('articles', 'language', 'AR') });
  t.same(body(caseFolded).data, [], 'exact: letter case counts, as with instr');
  const withNul = await app.inject({ url: containing('articles', 'title', 'اب\u0000ت') });
  t.equal(withNul.statusCode, 400, 'a NUL, which no stored text holds, is refused on either engine (test/http/unstorable-parameters.test.ts)');
});

t.test('contains does not find a record that holds every trigram of the value but not the value, in that column', async (t) => {
  const app = await build(t);
  const created = await postArticle(app, 'تاب-ابتاب', 'ابتا تاب');
  t.equal(created.statusCode, 201);
  const ids = async (field: string, value: string) => body(await app.inject({ url: containing('articles', field, value) })).data.map((r: { id: string }) => r.id);
  const { id } = body(created).data;
  t.same(await ids('title', 'ابتاب'), [], 'the title holds ابت، بتا and تاب, not ابتاب');
  t.same(await ids('slug', 'ابتاب'), [id], 'the slug holds it');
  t.same(await ids('title', 'تاب-'), [], 'a value of the slug is not in the title');
  t.same(await ids('title', 'ابتا ت'), [id], 'a value of the title is');
});

t.test('a long value is looked up by its head and each row tested for the whole: the same answer', async (t) => {
  const app = await build(t);
  const head = 'اجتماع وزارة الداخلية الكويتية مع وفد رفيع المستوى';
  const one = body(await postArticle(app, 'طويل-1', `${head} من السعودية`)).data;
  await postArticle(app, 'طويل-2', `${head} من قطر`);
  const ids = async (value: string) => body(await app.inject({ url: containing('articles', 'title', value) })).data.map((r: { id: string }) => r.id);
  t.ok([...head].length > 32, 'the shared head is longer than what the index looks up');
  t.same(await ids(`${head} من السعودية`), [one.id], 'only the title holding the whole value');
  t.same(await ids(`${head} من عمان`), [], 'and none when no title holds it');
});

t.test('a long value that every row holds the trigrams of costs a page a bounded CPU time', sqliteOnly("rows written and indexed by SQLite's FTS5"), async (t) => {
  const app = await build(t);

  // 3,000 public titles of one repeated syllable: every row holds every trigram of a value cut from them.
  const database = databaseOf(app.services);
  const insert = database.sqlite.prepare(
    "insert into articles (id, slug, version, created_at, updated_at, title, language, body, status) values (?, ?, 1, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', ?, 'ar', '[]', 'published')",
  );
  database.sqlite.transaction(() => {
    for (let i = 0; i < 3_000; i++) insert.run(newId(), `تكرار-${i}`, `${'ال'.repeat(200)} ${i}`);
  })();
  await rebuildSearchIndex(connectionExecutors(database.sqlite), fts5Index);
  // A phrase of 497 such trigrams was checked in every row: 55-115 ms of a request's CPU at 20,000 articles.
  const value = 'ال'.repeat(249);
  // A fresh app's first answer on the route compiles its serializer and warms the code: taken first, with a value no row holds.
  await app.inject({ url: `/v1/articles?filter%5Btitle%5D%5Bcontains%5D=${encodeURIComponent('ظظظ')}&fields=id&count=false` });
  const { result: page, cpuMs } = await cost(() => app.inject({ url: `/v1/articles?filter%5Btitle%5D%5Bcontains%5D=${encodeURIComponent(value)}&fields=id&count=false` }));
  t.equal(page.statusCode, 200);
  t.same(body(page).data, [], 'no title holds 498 characters of it');
  t.ok(cpuMs < 60, `a page took ${cpuMs.toFixed(1)} ms of CPU (limit 60)`);
});

t.test('every filter that takes contains has a column in the substring index', async (t) => {
  for (const spec of [articleList, personList, organisationList, meetingList]) {
    t.ok(spec.substrings, 'the list has the substring index');
    for (const [name, filter] of Object.entries(spec.filters)) {
      if (filter.kind !== 'column' || !operatorsOf(filter).includes('contains')) continue;
      t.ok(substringColumns.includes(filter.column.name), `${name}: ${filter.column.name} is indexed`);
    }
  }
});

t.test('contains of three characters or more reads the trigram index, not every row', sqliteOnly("FTS5's plans"), async (t) => {
  const app = await build(t);
  const plans = async (url: string) => {
    const calls = await recordStatements(app, () => app.inject({ url }));
    return calls.flatMap((call) =>
      (
        databaseOf(app.services)
          .sqlite.prepare(`explain query plan ${call.source}`)
          .all(...call.args) as Array<{ detail: string }>
      ).map((step) => step.detail),
    );
  };
  for (const [path, field] of [
    ['articles', 'title'],
    ['articles', 'slug'],
    ['people', 'name'],
    ['organisations', 'name'],
    ['meetings', 'title'],
  ]) {
    const long = await plans(containing(path!, field!, 'الداخلية'));
    t.ok(
      long.some((detail) => detail.startsWith('SCAN substring_index VIRTUAL TABLE')),
      `${path} ${field}: the index answers`,
    );
  }
  const short = await app.inject({ url: containing('articles', 'title', 'ال') });
  t.ok(body(short).meta.total > 0, 'two characters are tested row by row, and still found');
});

t.test(
  'the substring index follows every write, and the indexer rebuilds it (the CLI: test/cli/commands.test.ts)',
  sqliteOnly("FTS5's rebuild (both engines: test/search/index-writes.test.ts)"),
  async (t) => {
    const app = await build(t);
    const ids = async (value: string) => body(await app.inject({ url: containing('people', 'name', value) })).data.map((r: { id: string }) => r.id);
    const created = body(await app.inject({ method: 'POST', url: '/v1/people', headers: json, payload: { slug: 'سالم-المطيري', name: 'سالم المطيري' } })).data;
    t.same(await ids('م المط'), [created.id], 'found after create, across the space');

    await app.inject({ method: 'PATCH', url: `/v1/people/${created.id}`, headers: json, payload: { name: 'سالم العنزي' } });
    t.same(await ids('م المط'), [], 'the old name is gone after an update');
    t.same(await ids('العنزي'), [created.id], 'the new name is found');

    await rebuildSearchIndex(connectionExecutors(databaseOf(app.services).sqlite), fts5Index);
    t.same(await ids('العنزي'), [created.id], 'and again after a rebuild');

    t.equal((await app.inject({ method: 'DELETE', url: `/v1/people/${created.id}`, headers: auth })).statusCode, 204);
    t.same(await ids('العنزي'), [], 'gone after delete');
  },
);
