import { and, eq, sql } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import t from 'tap';
import { changeStamp } from '../../src/core/db/change-stamp.js';
import { databaseOf, storesOf } from '../../src/core/db/handles.js';
import { connectionExecutors } from '../../src/core/db/sqlite-write.js';
import { type StatementExecutor, sqliteStatements } from '../../src/core/db/statements.js';
import { createListing } from '../../src/core/list/sql.js';
import type { Visibility } from '../../src/core/list/visibility.js';
import { articleList } from '../../src/core/resources/articles/list.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { rebuildSearchIndex } from '../../src/core/search/analyser-version.js';
import { fts5Index } from '../../src/core/search/fts5-index.js';
import { analyse } from '../../src/core/search/indexer.js';
import { fts5TextLookup } from '../../src/core/search/matching.js';
import { parseQuery } from '../../src/core/search/query.js';
import { createSearch } from '../../src/core/search/search.js';
import { makeSnippet, scannedLength } from '../../src/core/search/snippet.js';
import type { App } from '../../src/web/app.js';
import { auth, body, build, countRows, firstRecords, listingSource, publicAt, publicBySchedule, recordStatements, sqliteOnly, storedRecord, writeRows, writesOf } from '../helper.js';
import { resourceCases } from '../resources/fixtures.js';
import { searchWithLimits } from './limited-search.js';
import { sqliteSearch } from './sqlite-search.js';

const json = { ...auth, 'content-type': 'application/json' };
const searchUrl = (q: string, extra = '') => `/v1/search?q=${encodeURIComponent(q)}${extra}`;

/** `count` distinct three-letter words, none of them a function word. */
const manyWords = (count: number) => Array.from({ length: count }, (_, i) => `س${'بتثجحخدذرزطظعغفقك'[i % 17]}${'رم'[Math.floor(i / 17)]}`);

t.test('the seed is indexed, and results carry the original text around the match', async (t) => {
  const app = await build(t);
  const response = await app.inject({ url: searchUrl('العدوانى') });
  t.equal(response.statusCode, 200);
  const { data, meta, links } = body(response);
  t.same(data.map((r: { type: string }) => r.type).sort(), ['articles', 'meetings', 'people'], 'the person, and the article and meeting that name him');
  t.same(meta, { limit: 20, next_cursor: null });
  t.same(links, { self: searchUrl('العدوانى'), next: null });
  const person = data.find((r: { type: string }) => r.type === 'people');
  t.match(person, { slug: 'علي-العدواني', title_or_name: 'علي العدواني', snippet: { field: 'name', text: 'علي العدواني', matches: [{ start: 4, end: 12 }] } });
  t.equal(person.score, Math.max(...data.map((r: { score: number }) => r.score)), 'a name match ranks first');

  const article = data.find((r: { type: string }) => r.type === 'articles');
  const stored = await storedRecord(app, storesOf(app.services).articles, article.id);
  const { snippet } = article;
  t.equal(snippet.field, 'body_text');
  t.equal(stored.body_text.slice(snippet.start, snippet.end), snippet.text, 'the snippet is the original text at its offsets');
  t.ok(snippet.text.length <= 170, 'the snippet is short');
  t.ok(snippet.matches.length >= 1);
  for (const m of snippet.matches) t.equal(snippet.text.slice(m.start, m.end), 'العدواني', 'each match is the word as written');
  t.match(snippet.html, /^….*<mark>العدواني<\/mark>.*…$/su, 'html marks the match and shows the cuts');
});

t.test('diacritics in the text are kept in the snippet and included in the match', async (t) => {
  const app = await build(t);
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: json,
    payload: { slug: 'مشكول', title: 'نص مشكول', language: 'ar', body: [{ type: 'paragraph', text: 'قالت وِزارَةُ الدّاخِلِيّةِ <b>"إنّ" & أنّ</b> شيئًا' }] },
  });
  t.equal(created.statusCode, 201);
  const { data } = body(await app.inject({ url: searchUrl('الداخليه', '&type=articles') }));
  const result = data.find((r: { id: string }) => r.id === body(created).data.id);
  t.same(
    result.snippet.matches.map((m: { start: number; end: number }) => result.snippet.text.slice(m.start, m.end)),
    ['الدّاخِلِيّةِ'],
  );
  t.equal(result.snippet.html, 'قالت وِزارَةُ <mark>الدّاخِلِيّةِ</mark> &lt;b&gt;&quot;إنّ&quot; &amp; أنّ&lt;/b&gt; شيئًا', 'the html is escaped');
});

t.test('phrases match as phrases, a trailing * is a prefix, all words must match', async (t) => {
  const app = await build(t);
  const types = async (q: string) =>
    body(await app.inject({ url: searchUrl(q) }))
      .data.map((r: { type: string }) => r.type)
      .sort();
  t.same(await types('"التعاون الأمني"'), ['articles', 'meetings']);
  t.same(await types('"الأمني التعاون"'), [], 'the words in another order are not the phrase');
  t.same(await types('الأمني التعاون'), ['articles', 'meetings'], 'as words, order does not matter');
  t.same(await types('"الإرهاب"'), ['articles', 'meetings'], 'a quoted word is a word');
  t.same(await types('"التعاون الأمني'), ['articles', 'meetings'], 'an unclosed quote runs to the end');
  t.same(await types('المرب*'), ['articles', 'people'], 'prefix of the written form');
  t.same(await types('والمرب*'), ['articles', 'people'], 'prefix after a stripped article');
  t.same(await types('المربع زلزال'), [], 'every word must match');
  const prefix = body(await app.inject({ url: searchUrl('المرب*', '&type=people') })).data[0];
  t.equal(prefix.snippet.html, 'صالح <mark>المربع</mark>');
});

t.test('a prefix needs three letters past a leading article, or the query is refused with why', async (t) => {
  const app = await build(t);
  for (const q of ['ا*', 'ab*', 'ال*', 'وال*', 'بال*', 'لل*', 'الم*', 'فالم*', 'التعاون ال*', 'الدا*', 'العد*', 'والدا*', 'وبالدا*', 'للدا*']) {
    for (const url of [searchUrl(q), `/v1/articles?q=${encodeURIComponent(q)}`]) {
      const response = await app.inject({ url });
      t.equal(response.statusCode, 400, url);
      t.match(response.headers['content-type'], /^application\/problem\+json/, url);
      t.match(body(response), { code: 'validation_failed', detail: /prefix .* too short/, errors: [{ path: 'querystring.q', message: /3 letters after a leading article/ }] }, url);
    }
  }
  for (const q of ['المرب*', 'مرب*', 'العدو*', 'والعدو*', 'abc*']) t.equal((await app.inject({ url: searchUrl(q) })).statusCode, 200, q);
});

t.test('a term given twice counts once: the same results and snippets', async (t) => {
  const app = await build(t);
  t.same(parseQuery('الأمني الامني "التعاون الأمني" "التعاون الامني" مرب* مرب*'), [
    { kind: 'word', word: 'الامني' },
    { kind: 'phrase', words: ['التعاون', 'الامني'] },
    { kind: 'prefix', word: 'مرب' },
  ]);
  const once = body(await app.inject({ url: searchUrl('العدواني') })).data;
  t.ok(once.length > 0);
  t.same(body(await app.inject({ url: searchUrl('العدواني '.repeat(32)) })).data, once);
  const forty = await app.inject({ url: searchUrl('العدواني '.repeat(40)) });
  t.equal(forty.statusCode, 200, '40 copies of one word are one term, within the cap of 32');
  t.same(body(forty).data, once);
  t.equal((await app.inject({ url: `/v1/articles?q=${encodeURIComponent('العدواني '.repeat(40))}` })).statusCode, 200, 'on a list too');
  const distinct = manyWords(33);
  for (const url of [searchUrl(`${distinct.join(' ')} ${distinct[0]}`), `/v1/articles?q=${encodeURIComponent(distinct.join(' '))}`]) {
    const refused = await app.inject({ url });
    t.equal(refused.statusCode, 400, `33 distinct terms are too many: ${url.slice(0, 12)}`);
    t.match(body(refused), { detail: 'the query has 33 distinct terms; at most 32 are searched', errors: [{ path: 'querystring.q' }] });
  }
});

t.test('a record whose row is gone but whose index entry is not (deleted between the two reads) is left out, not a 500', async (t) => {
  const app = await build(t);
  const create = async (slug: string) => (await writesOf(app).articles.create({ slug, title: `زرافة ${slug}`, language: 'ar', body: [{ type: 'paragraph', text: 'زرافة في الحديقة' }] })).id;
  const [kept, gone] = [await create('باقية'), await create('محذوفة')];
  await writeRows(app, sql`delete from articles where id = ${gone}`);
  const indexed = await countRows(app, sql`search_documents where record_id = ${gone}`);
  t.equal(indexed, 1, 'the index entry is still there');
  const response = await app.inject({ url: searchUrl('زرافة') });
  t.equal(response.statusCode, 200);
  t.same(
    body(response).data.map((r: { id: string }) => r.id),
    [kept],
  );
});

t.test('type, limit and cursor: every result exactly once, in rank order', async (t) => {
  const app = await build(t);
  for (let i = 0; i < 23; i++) {
    const paragraph = `تقرير رقم ${i} عن التعاون ${'الأمني '.repeat(1 + (i % 4))}في المنطقة`;
    await writesOf(app).articles.create({ slug: `تقرير-${i}`, title: `تقرير ${i}`, language: 'ar', body: [{ type: 'paragraph', text: paragraph }] });
  }
  const all = body(await app.inject({ url: searchUrl('الامني', '&type=articles&limit=100') })).data;
  t.equal(all.length, 24, 'the seed article and the 23 new ones');
  const scores = all.map((r: { score: number }) => r.score);
  t.same(
    scores,
    [...scores].sort((a, b) => b - a),
    'best first',
  );

  const seen: string[] = [];
  let url: string | null = searchUrl('الامني', '&type=articles&limit=5');
  while (url) {
    const page: { data: Array<{ id: string }>; meta: { next_cursor: string | null }; links: { next: string | null } } = body(await app.inject({ url }));
    t.ok(page.data.length <= 5);
    seen.push(...page.data.map((r) => r.id));
    url = page.links.next;
    t.equal(page.meta.next_cursor === null, url === null);
  }
  t.same(
    seen,
    all.map((r: { id: string }) => r.id),
    'pages concatenate to the single ranked list',
  );

  const people = body(await app.inject({ url: searchUrl('الداخلية', '&type=people,organisations,people') })).data;
  t.same(new Set(people.map((r: { type: string }) => r.type)), new Set(['people', 'organisations']), 'type restricts, duplicates are harmless');

  const firstPage = body(await app.inject({ url: searchUrl('الامني', '&type=articles&limit=5') }));
  const reused = await app.inject({ url: searchUrl('التعاون', `&type=articles&limit=5&cursor=${firstPage.meta.next_cursor}`) });
  t.equal(reused.statusCode, 400, 'a cursor from another query is refused');
  t.equal(reused.headers['content-type'], 'application/problem+json; charset=utf-8');
  for (const cursor of ['%%%', 'bm90IGpzb24', Buffer.from('[1,"x","y","z"]').toString('base64url')]) {
    t.equal((await app.inject({ url: searchUrl('الامني', `&cursor=${cursor}`) })).statusCode, 400, `cursor ${cursor}`);
  }
});

t.test('hostile and degenerate queries answer 200 empty or 400, never 500', async (t) => {
  const app = await build(t);
  const emptyOk = [
    'AND',
    'OR',
    'NOT',
    'AND OR NOT',
    'NEAR(',
    'NEAR(a b, 2)',
    '"',
    '""',
    '"""',
    '*',
    '***',
    '^',
    ':',
    '()',
    '(',
    ')',
    '-',
    '--',
    'title:x',
    '{title}: x',
    'a:b',
    '^الداخلية*',
    '-الداخلية',
    "'; drop table articles; --",
    '\u0000',
    '\u200f\u200d',
    'ـــ',
    'ًٌٍَُِّْ',
    '؟،؛',
    'x* OR y*',
    'NEAR("a" "b")',
  ];
  const rawUrls = ['/v1/search?q=%ED%A0%80', '/v1/search?q=%FF%FE', '/v1/search?q=%', '/v1/search?q=a&q=b'];
  for (const url of [...emptyOk.map((q) => searchUrl(q)), ...rawUrls]) {
    const response = await app.inject({ url });
    t.not(response.statusCode, 500, url);
    if (response.statusCode === 200) t.ok(Array.isArray(body(response).data), url);
    else t.equal(response.statusCode, 400, url);
  }
  t.same(body(await app.inject({ url: searchUrl('AND OR NOT NEAR') })).data, [], 'operators are plain words, found nowhere');
  t.same(body(await app.inject({ url: searchUrl('-الداخلية') })).data.length > 0, true, 'a leading minus is punctuation');

  const problems: Array<[string, string, string]> = [
    [`/v1/search?q=${'ا'.repeat(10_000)}`, 'querystring.q', 'q'],
    [searchUrl(manyWords(33).join(' ')), 'querystring.q', 'q'],
    ['/v1/search', 'querystring.q', 'q'],
    ['/v1/search?q=', 'querystring.q', 'q'],
    ['/v1/search?q=a&q=b', 'querystring.q', 'q'],
    [searchUrl('x', '&type=articles,users'), 'querystring.type', 'type'],
    [searchUrl('x', '&limit=0'), 'querystring.limit', 'limit'],
    [searchUrl('x', '&cursor=bm90IGpzb24'), 'querystring.cursor', 'cursor'],
    [searchUrl('x', '&filter=1'), 'querystring', 'filter'],
  ];
  for (const [url, path, parameter] of problems) {
    const response = await app.inject({ url });
    t.equal(response.statusCode, 400, url.slice(0, 60));
    t.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.equal(body(response).errors?.[0]?.path, path, `${url.slice(0, 60)}: names ${path}`);
    t.match(JSON.stringify(body(response)), parameter);
  }
});

t.test('the index follows every create, update and delete of every resource', async (t) => {
  const app = await build(t);
  const indexed = () => countRows(app, sql`search_documents`);
  const records = async () => (await Promise.all(['articles', 'people', 'organisations', 'meetings'].map((table) => countRows(app, sql.identifier(table))))).reduce((sum, n) => sum + n);
  t.equal(await indexed(), await records(), 'the seed went through the index');
  const ids = async (q: string, type: string) => body(await app.inject({ url: searchUrl(q, `&type=${type}`) })).data.map((r: { id: string }) => r.id);

  for (const c of await resourceCases(app)) {
    await t.test(c.path, async (t) => {
      const created = body(await app.inject({ method: 'POST', url: `/v1/${c.path}`, headers: json, payload: c.create })).data;
      const label = 'title' in c.create ? 'title' : 'name';
      const oldWord = ((c.create as Record<string, unknown>)[label] as string).split(' ')[0]!;
      t.ok((await ids(oldWord, c.path)).includes(created.id), 'found after create');

      const patched = await app.inject({ method: 'PATCH', url: `/v1/${c.path}/${created.id}`, headers: json, payload: { [label]: 'سجل معدّل' } });
      t.equal(patched.statusCode, 200);
      t.notOk((await ids(oldWord, c.path)).includes(created.id), 'the old words are gone after an update');
      t.same(await ids('معدل', c.path), [created.id], 'the new words are found');

      const refused = await app.inject({ method: 'POST', url: `/v1/${c.path}`, headers: json, payload: { ...c.create, slug: `${c.create.slug}-x`, ...c.reference } });
      t.equal(refused.statusCode, 422);
      t.equal(await indexed(), await records(), 'a refused write indexes nothing');

      t.equal((await app.inject({ method: 'DELETE', url: `/v1/${c.path}/${created.id}`, headers: auth })).statusCode, 204);
      t.same(await ids('معدل', c.path), [], 'gone after delete');
      t.equal(await indexed(), await records());
    });
  }
});

t.test('a write that changes no text either index holds leaves both indices alone, and the record is still found by them', async (t) => {
  const app = await build(t);
  const patch = (id: string, payload: object) => app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload });
  // With a token: the PATCH below makes the article a draft, which the public does not see.
  const ids = async (url: string) => body(await app.inject({ url, headers: auth })).data.map((r: { id: string }) => r.id);
  const containing = (field: string, value: string) => `/v1/articles?filter%5B${field}%5D%5Bcontains%5D=${encodeURIComponent(value)}&fields=id`;
  const indexWrites = (calls: Array<{ source: string }>) => calls.filter((call) => /^\s*(insert|delete|update)\b.*\b(search_index|substring_index|search_documents)\b/is.test(call.source));
  const { id } = body(
    await app.inject({ method: 'POST', url: '/v1/articles', headers: json, payload: { slug: 'عقيق-أحمر', title: 'عقيق أحمر', language: 'ar', body: [{ type: 'paragraph', text: 'نص عن الزمرد' }] } }),
  ).data;

  const untouched = await recordStatements(app, async () => t.equal((await patch(id, { summary: 'ملخص جديد', status: 'draft' })).statusCode, 200));
  t.same(indexWrites(untouched), [], 'a PATCH of the summary and status writes no index row');
  t.same(await ids(searchUrl('الزمرد')), [id], 'still found by a word of its body');
  t.same(await ids(searchUrl('عقيق')), [id], 'and of its title');
  t.same(await ids(containing('slug', 'عقيق-أح')), [id], 'and by a substring of its slug');

  const renamed = await recordStatements(app, async () => t.equal((await patch(id, { slug: 'ياقوت-أزرق' })).statusCode, 200));
  t.not(indexWrites(renamed).length, 0, 'a new slug is written to the substring index');
  t.same(await ids(containing('slug', 'ياقوت-أز')), [id], 'found by its new slug');
  t.same(await ids(containing('slug', 'عقيق-أح')), [], 'not by the old one');

  t.equal((await patch(id, { body: [{ type: 'paragraph', text: 'نص عن الفيروز' }] })).statusCode, 200);
  t.same(await ids(searchUrl('الفيروز')), [id], 'a new body is indexed');
  t.same(await ids(searchUrl('الزمرد')), [], 'and the old one is gone');
});

t.test('a failing listener rolls the write back with the index entry', async (t) => {
  const app = await build(t);
  const total = () => countRows(app, sql`people`);
  const before = await total();
  storesOf(app.services).people.onWrite(() => {
    throw new Error('listener failed');
  });
  await t.rejects(writesOf(app).people.create({ slug: 'منسي', name: 'شخص منسي', honorific: null, position: null, country: null }));
  t.same(await total(), before);
  t.same(body(await app.inject({ url: searchUrl('منسي') })).data, [], 'no index entry survives the rollback');
});

t.test('rebuild indexes a database whose records were never indexed', sqliteOnly("FTS5's rebuild (both engines: test/search/index-writes.test.ts)"), async (t) => {
  const app = await build(t);
  const database = databaseOf(app.services);
  database.sqlite.exec(`delete from search_documents; insert into search_index (search_index) values ('delete-all');`);
  t.same(body(await app.inject({ url: searchUrl('العدواني') })).data, [], 'an unindexed database finds nothing');
  t.same(await rebuildSearchIndex(connectionExecutors(database.sqlite), fts5Index), { articles: 1, people: 2, organisations: 3, meetings: 1 });
  t.equal(body(await app.inject({ url: searchUrl('العدواني') })).data.length, 3);
  t.same(await rebuildSearchIndex(connectionExecutors(database.sqlite), fts5Index), { articles: 1, people: 2, organisations: 3, meetings: 1 }, 'a second rebuild replaces, not duplicates');
  t.equal(body(await app.inject({ url: searchUrl('العدواني') })).data.length, 3);
});

t.test('rebuild finishes the index merges it starts, so the writes after it have no large merge to do', sqliteOnly("FTS5's merges"), async (t) => {
  const app = await build(t);
  const database = databaseOf(app.services);
  const { sqlite } = database;
  // A pending-terms buffer of 1 KB instead of 1 MB: the rebuild of a small database writes many segments and
  // starts merging them, as a large one does.
  sqlite.exec("insert into search_index (search_index, rank) values ('hashsize', 1024)");
  const mergeStepDidWork = () => {
    const changes = () => sqlite.prepare('select total_changes()').pluck().get() as number;
    const before = changes();
    sqlite.exec("insert into search_index (search_index, rank) values ('merge', 500)");
    return changes() - before >= 2;
  };
  await rebuildSearchIndex(connectionExecutors(database.sqlite), fts5Index);
  t.notOk(mergeStepDidWork(), 'no merge work is left for the next write');
  t.equal(body(await app.inject({ url: searchUrl('العدواني') })).data.length, 3, 'and search still finds what it did');
});

t.test('q= restricts a resource list to its matching records, combined with other filters', async (t) => {
  const app = await build(t);
  await writesOf(app).articles.create({ slug: 'english', title: 'Interior ministers meet', language: 'en', body: [{ type: 'paragraph', text: 'Security cooperation.' }] });
  const titles = async (q: string, language?: string) => {
    const response = await app.inject({ url: `/v1/articles?q=${encodeURIComponent(q)}&limit=100${language ? `&filter[language]=${language}` : ''}` });
    t.equal(response.statusCode, 200, q);
    return body(response).data.map((row: { title: string }) => row.title);
  };
  t.same(await titles('INTERIOR'), ['Interior ministers meet'], 'Latin text is case-folded');
  t.same(await titles('الإرهاب'), [(await firstRecords(app, storesOf(app.services).articles, 100)).find((a) => a.language === 'ar')!.title]);
  t.same(await titles('الإرهاب', 'en'), [], 'combined with a filter');
  t.same(await titles('المربع'), await titles('"صالح المربع"'));
  t.same(await titles('علي العدواني'), await titles('العدواني'));
  t.same(await titles('"ملف غير موجود"'), []);
  t.same(await titles('*** ()'), [], 'a query without words matches nothing');
  t.equal((await titles('الداخلية')).length, 1, 'only articles: the people and organisations named الداخلية are not');
});

t.test("a list's q that matches more than it lists probes each row read, and its pages hold every record /v1/search finds", async (t) => {
  const app = await build(t);
  for (let i = 0; i < 12; i++) {
    const text = i % 3 === 0 ? 'زيارة رسمية للوفد' : 'التعاون الأمني بين البلدين';
    await writesOf(app).articles.create({ slug: `خبر-${i}`, title: `خبر ${i}`, language: 'ar', body: [{ type: 'paragraph', text }] });
  }
  // Reading at most two rows a page, it lists at most two matches: more are probed row by row.
  const probing = createListing(listingSource(app), articles, articleList, undefined, { examined: 2 });
  for (const q of ['التعاون', 'الأمن*', '"التعاون الأمني"', 'زيارة رسمية']) {
    const found: string[] = body(await app.inject({ url: `/v1/search?q=${encodeURIComponent(q)}&type=articles&limit=100` })).data.map((hit: { id: string }) => hit.id);
    t.ok(found.length > 2, `${q}: ${found.length} matches, more than a page lists`);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await probing.page({ limit: 3, extensions: { q }, cursor, count: false });
      seen.push(...page.ids);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && seen.length < 100);
    t.same([...seen].sort(), [...found].sort(), `${q}: every match once`);
    t.same(seen, [...seen].sort().reverse(), `${q}: in the list's order, newest id first`);
  }
});

t.test('a query matching more records than it ranks comes newest first, unscored, every record once', async (t) => {
  const app = await build(t);
  for (let i = 0; i < 12; i++) {
    await writesOf(app).articles.create({ slug: `خبر-${i}`, title: `خبر ${i}`, language: 'ar', body: [{ type: 'paragraph', text: `التعاون ${'الأمني '.repeat(1 + (i % 3))}` }] });
  }
  const search = searchWithLimits(app, { rankLimit: 5 });
  const all = ['articles', 'people', 'organisations', 'meetings'] as const;
  const pages = async (q: string, limit: number) => {
    const results = [];
    let cursor: string | undefined;
    do {
      const page = await search.search({ q, types: all, limit, cursor });
      results.push(...page.results);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return results;
  };

  const broad = await pages('الأمني', 4);
  const ranked = (await searchWithLimits(app).search({ q: 'الأمني', types: all, limit: 100 })).results;
  t.ok(ranked.length > 12 && ranked.every((r) => typeof r.score === 'number'), 'ranked under the default limit');
  t.same(new Set(broad.map((r) => r.id)), new Set(ranked.map((r) => r.id)), 'the same records as the ranked search');
  t.equal(broad.length, ranked.length, 'each once');
  t.ok(
    broad.every((r) => r.score === null),
    'no score: BM25 was not computed',
  );
  t.same(
    broad.slice(0, 12).map((r) => r.slug),
    Array.from({ length: 12 }, (_, i) => `خبر-${11 - i}`),
    'newest first',
  );

  const narrow = await pages('العدواني', 4);
  t.ok(narrow.length > 0 && narrow.length < 5);
  t.ok(
    narrow.every((r) => typeof r.score === 'number'),
    'a query within the limit is ranked',
  );

  const first = await search.search({ q: 'الأمني', types: all, limit: 4 });
  await t.rejects(search.search({ q: 'التعاون', types: all, limit: 4, cursor: first.nextCursor! }), { code: 'validation_failed' }, 'a newest-first cursor is tied to its query too');
});

t.test('a query whose terms more records hold than ranking may read comes newest first, however few hold them all', async (t) => {
  const app = await build(t);
  const create = async (slug: string, text: string) => (await writesOf(app).articles.create({ slug, title: slug, language: 'ar', body: [{ type: 'paragraph', text }] })).id;
  for (let i = 0; i < 5; i++) await create(`زمرد-${i}`, 'زمرد');
  for (let i = 0; i < 5; i++) await create(`ياقوت-${i}`, 'ياقوت');
  const older = await create('كلاهما-1', 'زمرد و ياقوت');
  const newer = await create('كلاهما-2', 'ياقوت ثم زمرد ثم ياقوت');
  // Seven records hold each word: fourteen postings for BM25 to read.
  const results = async (rankPostings: number, q: string) => (await searchWithLimits(app, { rankPostings }).search({ q, types: ['articles'], limit: 10 })).results;

  const over = await results(13, 'زمرد ياقوت');
  t.same(
    over.map((r) => r.id),
    [newer, older],
    'over the budget: both records, newest first',
  );
  t.ok(
    over.every((r) => r.score === null),
    'unscored',
  );
  const within = await results(14, 'زمرد ياقوت');
  t.same(new Set(within.map((r) => r.id)), new Set([newer, older]), 'within the budget: the same records');
  t.ok(
    within.every((r) => typeof r.score === 'number'),
    'ranked',
  );
  t.ok(
    (await results(13, 'زمرد')).every((r) => typeof r.score === 'number'),
    'one of the words alone is within it',
  );
});

t.test('a prefix counts toward the ranking budget with its written forms, though its stems are counted first', sqliteOnly("counts its stems' FTS5 match expression"), async (t) => {
  const app = await build(t);
  const create = async (slug: string, text: string) => (await writesOf(app).articles.create({ slug, title: slug, language: 'ar', body: [{ type: 'paragraph', text }] })).id;
  // الزمردان starts with the prefix as written, but its stem زمرد does not start with the prefix's زمردا: five records
  // only the written side finds; الزمرداني (stem زمردان) is found by both.
  for (let i = 0; i < 5; i++) await create(`زمردان-${i}`, 'الزمردان');
  for (let i = 0; i < 2; i++) await create(`زمرداني-${i}`, 'الزمرداني');
  const search = async (rankPostings: number, q: string) => (await searchWithLimits(app, { rankPostings }).search({ q, types: ['articles'], limit: 10 })).results;
  t.equal((await search(6, 'الزمردا*')).length, 7, 'the prefix finds all seven');
  t.ok(
    (await search(6, 'الزمردا*')).every((r) => r.score === null),
    'seven records over a budget of six: newest first, though its stems are in two',
  );
  t.ok(
    (await search(7, 'الزمردا*')).every((r) => typeof r.score === 'number'),
    'within a budget of seven: ranked',
  );

  // Stems over the budget: the written side is never counted.
  const counted = (await recordStatements(app, async () => search(1, 'الزمردا*'))).filter((call) => call.source.includes('"holding"')).map((call) => call.args[0]);
  t.same(counted, ['{title_stem body_stem} : "زمردا" *'], 'one count, of the stems');
});

t.test('the snippet of a long body is the one its whole text gives, though only its start is read', async (t) => {
  const app = await build(t);
  // The match ends just before the part a snippet scans, so its window reaches past that part.
  const before = 'كلمة '.repeat(Math.floor((scannedLength - 10) / 5));
  const text = `${before}زبرجد ${'تتمة '.repeat(5_000)}`;
  const { id } = await writesOf(app).articles.create({ slug: 'طويل', title: 'طويل', language: 'ar', body: [{ type: 'paragraph', text }] });
  const response = await app.inject({ url: searchUrl('زبرجد') });
  const [result] = body(response).data;
  const row = await storedRecord(app, storesOf(app.services).articles, id);
  const whole = makeSnippet(
    [
      { path: 'body_text', text: row.body_text },
      { path: 'title', text: row.title },
    ],
    parseQuery('زبرجد'),
  );
  t.ok(row.body_text.length > 4 * scannedLength, 'a body far longer than the part scanned');
  t.ok(whole.end > scannedLength && whole.html.endsWith('…'), 'a window past the scanned part, the body going on');
  t.same(result.snippet, whole);
});

t.test('a long body keeps a copy of its start, in step with its writes, and its snippet follows them', sqliteOnly("reads SQLite's stored body and its start"), async (t) => {
  const app = await build(t);
  type Blocks = Array<{ type: 'paragraph'; text: string }>;
  /** A body of about 30,000 characters that starts with `first`. */
  const long = (first: string): Blocks => [{ type: 'paragraph', text: first }, ...Array.from({ length: 3 }, () => ({ type: 'paragraph' as const, text: 'تتمة '.repeat(2_000) }))];
  const keptStart = (id: string) => databaseOf(app.services).sqlite.prepare('select start from article_body_starts where article_id = ?').pluck().get(id);
  /** The first 10,322 code points of the body as stored (its JSON, as the write normalised it), cut in JS. */
  const startOf = (id: string) => [...(databaseOf(app.services).sqlite.prepare('select body from articles where id = ?').pluck().get(id) as string)].slice(0, 10_322).join('');
  const short = await writesOf(app).articles.create({ slug: 'قصير', title: 'قصير', language: 'ar', body: [{ type: 'paragraph', text: 'زبرجد قصير' }] });
  t.equal(keptStart(short.id), undefined, 'a short body has none: its own start is read');
  const { id } = await writesOf(app).articles.create({ slug: 'طويل', title: 'طويل', language: 'ar', body: long('زبرجد أول') });
  t.equal(keptStart(id), startOf(id), 'a long body has the start of its JSON');
  const snippetOf = async (q: string) => (body(await app.inject({ url: searchUrl(q) })).data as Array<{ id: string; snippet: { text: string } }>).find((r) => r.id === id)?.snippet.text;
  t.match(await snippetOf('زبرجد'), /^زبرجد أول\s+تتمة/);

  const patch = async (blocks: Blocks) =>
    (await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...auth, 'content-type': 'application/merge-patch+json' }, payload: { body: blocks } })).statusCode;
  t.equal(await patch(long('ياقوت ثان')), 200);
  t.equal(keptStart(id), startOf(id), 'a new long body: its new start');
  t.match(keptStart(id), /^\[\{"type":"paragraph","text":"ياقوت ثان"/);
  t.match(await snippetOf('ياقوت'), /^ياقوت ثان\s+تتمة/, 'the snippet shows the new body');
  t.equal(await patch([{ type: 'paragraph', text: 'ياقوت قصير' }]), 200);
  t.equal(keptStart(id), undefined, 'a body made short: no copy left');
  t.equal(await snippetOf('ياقوت'), 'ياقوت قصير', 'the snippet shows the short body');
  t.equal(await patch(long('زبرجد ثالث')), 200);
  await writesOf(app).articles.remove(id);
  t.equal(keptStart(id), undefined, 'a deleted article leaves none');
});

t.test('the search path reads the FTS index and primary keys only', sqliteOnly("FTS5's plans"), async (t) => {
  const app = await build(t);
  const database = databaseOf(app.services);
  const { sqlite, db } = database;
  const reader = database.reader.$client;
  const prepared: string[] = [];
  const prepare = reader.prepare.bind(reader);
  reader.prepare = ((source: string) => {
    prepared.push(source);
    return prepare(source);
  }) as typeof reader.prepare;
  // Every path of a search, each statement prepared where it is first used: too broad to rank (at a limit of one
  // match) for a token reader and the public, ranked, and a query long enough to choose its required terms.
  const publicly = publicAt(new Date().toISOString());
  const broad = sqliteSearch(database, { rankLimit: 1 });
  const ranked = sqliteSearch(database);
  for (const search of [broad, ranked]) for (const visibility of [undefined, publicly]) await search.search({ q: 'العدواني', types: ['articles', 'people'], limit: 5, visibility });
  await ranked.search({ q: 'الداخلية السعودية الكويت الوزير الامن', types: ['articles'], limit: 5 });
  // A resource list's q: the listing of its matches, and the probe of one row.
  const { probe } = fts5TextLookup(sqliteStatements(reader), 'articles')([]);
  reader.prepare = prepare as typeof reader.prepare;
  prepared.push(
    db
      .select({ id: articles.id })
      .from(articles)
      .where(and(eq(articles.id, sql.placeholder('id')), probe!.condition(articles, 'probe')))
      .toSQL().sql,
  );

  // The change stamp reads a pragma, no table: one for each search made, its memos of counts sharing it.
  const stamps = prepared.filter((statement) => statement.includes('from pragma_data_version'));
  t.equal(stamps.length, 2, 'the change stamp, once for each search');
  // Each search prepares its own rows' statements: the same texts.
  prepared.splice(0, prepared.length, ...new Set(prepared.filter((statement) => !stamps.includes(statement))));
  t.equal(
    prepared.length,
    18,
    "the ranked and the newest-first query, each in the public's variant and a token reader's, the broad-query probe and its public variant, the per-term count, one row query per type and one more for articles, and the articles' two again in the public's variant (only the rows it sees), the listing and the probe of resource lists' q=, and the newest entry and the sample of a term that choose the required terms",
  );
  const articleRows = prepared.filter((statement) => /from "articles" where .* json_each/.test(statement));
  // The plain text is not stored (migration 0010): a snippet's start of it is read from the start of the stored body
  // (a long body's from the copy of its start kept beside it, migration 0017), or, where that holds too little of
  // it, derived from the whole body.
  t.match(
    articleRows,
    [
      /^select "id", "slug", "title", coalesce\(\(select "start" from "article_body_starts" where "article_body_starts"\."article_id" = "articles"\."id"\), substr\("articles"\."body", 1, \?\)\) from "articles" where "articles"\."id" in \(select value from json_each\(\?\)\)$/,
      /^select "id", "slug", "title", coalesce\(\(select "start" from "article_body_starts" where "article_body_starts"\."article_id" = "articles"\."id"\), substr\("articles"\."body", 1, \?\)\) from "articles" where .*published/,
      /^select "id", "slug", "title", substr\(\(select group_concat\(.*\) from json_each\("articles"\."body"\)\), 1, \?\) from "articles" where "articles"\."id" in \(select value from json_each\(\?\)\)$/,
      /^select "id", "slug", "title", substr\(\(select group_concat\(.*\) from json_each\("articles"\."body"\)\), 1, \?\) from "articles" where .*published/,
    ],
    'the body is read for the start of its plain text',
  );
  t.equal(articleRows.length, 4, "two row queries for articles, and the public's two");
  for (const statement of prepared) {
    const nulls = Array.from(statement.matchAll(/\?/g), () => null);
    const plan = (sqlite.prepare(`explain query plan ${statement}`).all(...nulls) as Array<{ detail: string }>).map((row) => row.detail);
    const name = statement.slice(0, 80);
    for (const step of plan.filter((s) => s.startsWith('SCAN'))) {
      // `holding`, `newest_holding`: the per-term count's and the term sample's subqueries, rows of the FTS index up to their limit.
      // `=M`: one entry of the index, by its rowid (a list's probe).
      t.match(step, /^SCAN (search_index (EXISTS )?VIRTUAL TABLE INDEX \d+:=?M|json_each VIRTUAL TABLE|(newest_)?holding$)/, `${name}: only the FTS index or the id list is scanned (${step})`);
    }
    for (const step of plan.filter((s) => s.startsWith('SEARCH'))) {
      // A bare `SEARCH search_documents` is max(doc_id): the last entry of its primary key.
      // A probe finds its record's index entry by the record's key.
      t.match(
        step,
        /USING (INTEGER PRIMARY KEY|(COVERING )?INDEX sqlite_autoindex_\w+_1) \((rowid|id|article_id)=\?\)|USING INDEX articles_published_by_status_idx \(status=\? AND id=\?\)|^SEARCH search_documents$|^SEARCH search_documents USING COVERING INDEX search_documents_record_idx \(record_id=\? AND type=\?\)$/,
        `${name}: rows by primary key (${step})`,
      );
    }
    t.ok(
      plan.some((s) => /search_index|json_each|search_documents/.test(s)),
      `${name}: ${plan.join(' | ')}`,
    );
  }
});

t.test('q= on every list keeps the matching records, with filters, sort and pages', async (t) => {
  const app = await build(t);
  const list = async (url: string) => {
    const response = await app.inject({ url });
    t.equal(response.statusCode, 200, url);
    return body(response) as { data: Array<{ slug: string }>; meta: { total: number; next_cursor: string | null } };
  };
  const articles = await list(`/v1/articles?q=${encodeURIComponent('الداخليه')}&filter[language]=ar`);
  t.same(
    articles.data.map((a) => a.slug),
    ['العدواني-بحث-مع-وفد-من-الداخلية-السعودية-تعزيز'],
    'normalised words find the article',
  );
  t.equal(articles.meta.total, 1);
  t.equal((await list(`/v1/articles?q=${encodeURIComponent('الداخليه')}&filter[language]=en`)).meta.total, 0, 'combined with a filter');
  t.same(
    (await list(`/v1/people?q=${encodeURIComponent('العدوانى')}`)).data.map((p) => p.slug),
    ['علي-العدواني'],
  );
  const organisations = await list(`/v1/organisations?q=${encodeURIComponent('الداخلية')}&sort=name&limit=1`);
  t.equal(organisations.meta.total, 3, 'every organisation named with الداخلية');
  t.ok(organisations.meta.next_cursor, 'and it pages');
  t.same((await list(`/v1/meetings?q=${encodeURIComponent('"مكافحة الإرهاب"')}`)).data.length, 1, 'a phrase in the topics');
  t.equal((await list(`/v1/people?q=${encodeURIComponent('الإرهاب')}`)).meta.total, 0, 'only the listed type');
  t.equal((await list(`/v1/articles?q=${encodeURIComponent('" * OR NEAR( ^ :')}`)).meta.total, 0, 'operators alone match nothing');
  const tooLong = await app.inject({ url: `/v1/articles?q=${'ا'.repeat(501)}` });
  t.equal(tooLong.statusCode, 400);
  t.match(body(tooLong).errors, [{ path: /q/ }]);
});

t.test('analysis gives the same words and stems however many distinct words came before (the stem memory is bounded)', async (t) => {
  const text = 'والداخليه السعوديه تعاونت مع الكويتيين';
  const first = analyse([{ path: 'body', text }]);
  t.same(first, { words: 'والداخليه السعوديه تعاونت مع الكويتيين', stems: 'داخل سعود تعاونت مع كويت' });
  const many = Array.from({ length: 25_000 }, (_, i) => `كلمه${i}`).join(' ');
  analyse([{ path: 'body', text: many }]);
  t.same(analyse([{ path: 'body', text }]), first);
});

/** Two articles holding المحميات, one in its title and one among function words, and a third holding في and على only. */
async function functionWordArticles(app: App) {
  const create = async (slug: string, title: string, text: string) => (await writesOf(app).articles.create({ slug, title, language: 'ar', body: [{ type: 'paragraph', text }] })).id;
  const titled = await create('محميات-العنوان', 'المحميات الطبيعية', 'تقرير قصير بلا أدوات.');
  const crowded = await create('محميات-المتن', 'تقرير عام', 'في في في من من التي التي الذي إلى عن أن على علي المحميات.');
  await create('خبر-آخر', 'خبر آخر', 'اجتمع الوفدان في الرياض على الغداء.');
  return { titled, crowded };
}

t.test('function words are neither required nor ranked beside other words, and a query of them alone still answers', async (t) => {
  const app = await build(t);
  const { titled, crowded } = await functionWordArticles(app);
  const ids = async (q: string, extra = '') => body(await app.inject({ url: searchUrl(q, `&type=articles${extra}`) })).data.map((r: { id: string }) => r.id);

  t.same(await ids('في المحميات من'), [titled, crowded], 'the record without في and من is found, and ranks by المحميات (its title) first');
  t.same(await ids('التي المحميات الذي إلى'), [titled, crowded], 'relatives and prepositions alike');
  t.same(await ids('على المحميات'), [titled, crowded], 'على typed with ى is the preposition');
  t.same(await ids('وعلى المحميات'), [titled, crowded], 'with و in front too');
  t.same(await ids('علي المحميات'), [crowded], 'علي typed with ي is the given name, which a query requires');
  const listed = body(await app.inject({ url: `/v1/articles?q=${encodeURIComponent('في المحميات')}` }));
  t.same(listed.data.map((a: { id: string }) => a.id).sort(), [titled, crowded].sort(), 'q= on a list keeps the same records');

  t.same(await ids('"من" المحميات'), [crowded], 'a quoted function word is required, as written');
  t.same(await ids('"في" المحميات "من"'), [crowded]);
  const quotedListed = body(await app.inject({ url: `/v1/articles?q=${encodeURIComponent('"من" المحميات')}` }));
  t.same(
    quotedListed.data.map((a: { id: string }) => a.id),
    [crowded],
    'on a list too',
  );
  const alone = await ids('في من');
  t.ok(alone.includes(crowded), 'a query of function words alone searches them');
  t.notOk(alone.includes(titled), 'all of them, as written');
});

t.test('a function word alone matches more than search ranks, and beside another word does not make its query too broad to rank', async (t) => {
  const app = await build(t);
  await functionWordArticles(app);
  const search = searchWithLimits(app, { rankLimit: 3 });
  const scores = async (q: string) => (await search.search({ q, types: ['articles'], limit: 10 })).results.map((r) => r.score);
  const [functionWord, beside, preposition, besidePreposition] = [await scores('في'), await scores('في المحميات'), await scores('على'), await scores('على المحميات')];
  t.ok(functionWord.length >= 3 && functionWord.every((score) => score === null), 'في alone matches more than this search ranks');
  t.ok(beside.length === 2 && beside.every((score) => typeof score === 'number'), 'beside المحميات it does not make the query too broad to rank');
  t.ok(preposition.length >= 3 && preposition.every((score) => score === null), 'على alone matches more than this search ranks');
  t.ok(besidePreposition.length === 2 && besidePreposition.every((score) => typeof score === 'number'), 'beside المحميات على does not either');
});

t.test('of its common words a query requires only the rarest few; its rare words it always requires', async (t) => {
  const app = await build(t);
  const [a, b, c, d] = manyWords(4);
  /** Which words record i holds: c is in all but the first, b in every other, a in every fourth, d (rare) in two. */
  const holds = {
    [a!]: (i: number) => i % 4 === 0,
    [b!]: (i: number) => i % 2 === 0,
    [c!]: (i: number) => i > 0,
    [d!]: (i: number) => i === 0 || i === 5,
  };
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const text = ['تقرير', ...Object.keys(holds).filter((word) => holds[word]!(i))].join(' ');
    ids.push((await writesOf(app).articles.create({ slug: `شائع-${i}`, title: `شائع ${i}`, language: 'ar', body: [{ type: 'paragraph', text }] })).id);
  }
  /** The oracle: the records holding every one of some words. */
  const holding = (...words: string[]) => ids.filter((_, i) => words.every((word) => holds[word]!(i))).sort();
  const found = async (q: string, options: Parameters<typeof sqliteSearch>[1]) => (await searchWithLimits(app, options).search({ q, types: ['articles'], limit: 100 })).results.map((r) => r.id).sort();

  // Over two records a word is common here; a, b and c are, and only the two rarest are required.
  const commonOverTwo = { commonRecords: 2, commonRequired: 2 };
  t.same(await found(`${a} ${b} ${c}`, commonOverTwo), holding(a!, b!), 'c, the most common, is not required');
  t.ok(holding(a!, b!).length > holding(a!, b!, c!).length, 'which finds a record without c');
  t.same(await found(`${c} ${d} ${b} ${a}`, commonOverTwo), holding(a!, b!, d!), 'd, held by two records, is required beside the two rarest common words');
  t.same(await found(`${a} ${b} ${c}`, { commonRecords: 2, commonRequired: 3 }), holding(a!, b!, c!), 'as many common words as are required: all of them');
  t.same(await found(`${a} ${b} ${c}`, { commonRecords: 6, commonRequired: 2 }), holding(a!, b!, c!), 'no word is common: all are required');
});

t.test("a list's q= of many common words requires only the rarest few of them, counted on the list's executor", async (t) => {
  const app = await build(t);
  const words = manyWords(5);
  // Past 200 records (commonTermRecords) a word is common: the first four are held by nine records in ten, the fifth,
  // the most common, by every record but the first, which holds the four: found only when the fifth is not required.
  const holds = (word: number, i: number) => (word < 4 ? i % 10 !== 9 : i !== 0);
  const ids = await Promise.all(
    Array.from({ length: 250 }, async (_, i) => {
      const text = ['تقرير', ...words.filter((_, word) => holds(word, i))].join(' ');
      return (await writesOf(app).articles.create({ slug: `كثير-${i}`, title: `كثير ${i}`, language: 'ar', body: [{ type: 'paragraph', text }] })).id;
    }),
  );
  const holdingTheFour = ids.filter((_, i) => [0, 1, 2, 3].every((word) => holds(word, i)));
  const page = body(await app.inject({ url: `/v1/articles?q=${encodeURIComponent(words.join(' '))}&limit=1` }));
  t.same([page.meta.total, page.meta.total_relation], [holdingTheFour.length, 'eq'], 'every record holding the four rarer words is counted');
  const first = body(await app.inject({ url: `/v1/articles?q=${encodeURIComponent(words.join(' '))}&limit=1&sort=id` }));
  t.same(
    first.data.map((record: { id: string }) => record.id),
    [ids[0]],
    'the oldest, which lacks the most common word, among them',
  );
});

t.test('what search counts is remembered between requests only until the next write', async (t) => {
  const app = await build(t);
  const [x, y, z, p, q] = manyWords(5);
  let made = 0;
  const create = async (...words: string[]) =>
    (await writesOf(app).articles.create({ slug: `محسوب-${made}`, title: `محسوب ${made++}`, language: 'ar', body: [{ type: 'paragraph', text: words.join(' ') }] })).id;
  const ids = (results: Array<{ id: string }>) => results.map((r) => r.id).sort();
  const countsRead = async (action: () => unknown) => (await recordStatements(app, async () => action())).filter((call) => call.source.includes('"holding"')).length;

  // The ranking budget: six records hold each word, twelve postings within a budget of 13; two more make it 14.
  const budgeted = searchWithLimits(app, { rankPostings: 13 });
  const both = async () => (await budgeted.search({ q: `${x} ${y}`, types: ['articles'], limit: 10 })).results;
  for (let i = 0; i < 5; i++) await create(x!);
  for (let i = 0; i < 5; i++) await create(y!);
  const holdingBoth = await create(x!, y!);
  t.ok(
    (await both()).every((r) => typeof r.score === 'number'),
    'within the budget: ranked',
  );
  t.equal(await countsRead(both), 0, 'asked again, nothing is counted');
  await create(x!);
  await create(x!);
  t.ok(await countsRead(both), 'after a write, the terms are counted again');
  t.same(
    (await both()).map((r) => [r.id, r.score]),
    [[holdingBoth, null]],
    'over the budget now: unranked',
  );

  // The 2,000th-match probe, at a limit of 5: four matches are ranked, the fifth makes the query too broad.
  const probed = searchWithLimits(app, { rankLimit: 5 });
  const zs = async () => (await probed.search({ q: z!, types: ['articles'], limit: 10 })).results;
  for (let i = 0; i < 4; i++) await create(z!);
  t.ok(
    (await zs()).every((r) => typeof r.score === 'number'),
    'four matches: ranked',
  );
  await create(z!);
  const five = await zs();
  t.ok(five.length === 5 && five.every((r) => r.score === null), 'five: newest first, unscored');

  // Which common word is required: over two records a word is common, and only the rarest one is required.
  const requiring = searchWithLimits(app, { commonRecords: 2, commonRequired: 1 });
  const found = async () => ids((await requiring.search({ q: `${p} ${q}`, types: ['articles'], limit: 10 })).results);
  const holdingP = [await create(p!), await create(p!), await create(p!, q!)];
  const holdingQ = [holdingP[2]!, await create(q!), await create(q!), await create(q!)];
  t.same(await found(), [...holdingP].sort(), `${p} in 3 records, ${q} in 4: the records holding ${p}`);
  holdingP.push(await create(p!), await create(p!), await create(p!));
  t.same(await found(), [...holdingQ].sort(), `${p} in 6 now: the records holding ${q}`);
});

t.test("a public reader's 2,000th-match probe counts the articles it sees: drafts do not make its query too broad to rank", async (t) => {
  const app = await build(t);
  const [word] = manyWords(1);
  const write = (slug: string, status: 'draft' | 'published') =>
    writesOf(app).articles.create({ slug, title: `خبر ${slug}`, language: 'ar', status, body: [{ type: 'paragraph', text: `تقرير ${word}` }] });
  await write('علني', 'published');
  // Three matches are what this search ranks at most: the public article and two drafts stay within it, three drafts pass it.
  const search = searchWithLimits(app, { rankLimit: 3 });
  const publicly = publicAt(new Date().toISOString());
  const scores = async () => (await search.search({ q: word!, types: ['articles'], limit: 10, visibility: publicly })).results.map((r) => r.score === null);
  t.same(await scores(), [false], 'without drafts: the one public match, ranked');
  for (const n of [1, 2, 3]) await write(`مسودة-${n}`, 'draft');
  t.same(await scores(), [false], 'with drafts that pass the bound: the same one match, still ranked');
  t.same(
    (await search.search({ q: word!, types: ['articles'], limit: 10 })).results.map((r) => r.score === null),
    [true, true, true, true],
    'a reader who sees them all: four matches, more than this search ranks',
  );
});

t.test('a public too-broad decision made with a schedule read before a commit is not kept for later readers', async (t) => {
  const app = await build(t);
  const [word] = manyWords(1);
  const publish = (slug: string, published_at: string) =>
    writesOf(app).articles.create({ slug, title: `خبر ${slug}`, language: 'ar', status: 'published', published_at, body: [{ type: 'paragraph', text: `تقرير ${word}` }] });
  const publicView = async (now: string) => {
    await app.services.catchUp();
    return publicBySchedule(app.services.schedule, now);
  };
  // Two matches are too many to rank: the public's probe counts only the ones it sees at its moment.
  const search = searchWithLimits(app, { rankLimit: 2 });
  const ranked = async (visibility: Visibility) => (await search.search({ q: word!, types: ['articles'], limit: 10, visibility })).results.map((r) => r.score !== null);
  await publish('ماض', '2020-01-01T00:00:00.000Z');
  await publish('لاحق', '2030-01-01T00:00:00.000Z');
  // The first reader's schedule says nothing is published before 2030; a commit then schedules an article for 2029.
  const early = await publicView('2028-01-01T00:00:00.000Z');
  await publish('أقرب', '2029-01-01T00:00:00.000Z');
  t.same(await ranked(early), [true], 'the first reader, in 2028, sees one match, ranked');
  const after = await publicView('2029-06-01T00:00:00.000Z');
  t.equal(after.audience === 'public' && after.nextPublication, '2030-01-01T00:00:00.000Z', 'a reader in mid-2029 has the same next publication');
  t.same(await ranked(after), [false, false], "and sees two matches, too many to rank, not the first reader's decision");
  const again = await publicView('2029-06-01T00:00:00.000Z');
  const probes = (await recordStatements(app, () => ranked(again))).filter((call) => /\boffset\b/i.test(call.source));
  t.same(probes, [], 'a reader at the same stamp is told the decision kept: the match probe does not run again');
});

t.test("the public's results leave out a record hidden between the index's statement and the rows' statement", sqliteOnly("SQLite's search statements run by hand"), async (t) => {
  const app = await build(t);
  const database = databaseOf(app.services);
  const word = 'زنبقستان';
  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: json,
    payload: { slug: 'خبر-مخفي', title: `خبر عن ${word}`, language: 'ar', status: 'published', published_at: '2026-01-01T00:00:00.000Z', body: [{ type: 'paragraph', text: `نص عن ${word}` }] },
  });
  t.equal(created.statusCode, 201);
  const id = body(created).data.id as string;
  // Before the first read of articles' rows, the article is unpublished: a commit landing between the two statements.
  const reader = sqliteStatements(database.reader.$client);
  let hide: (() => Promise<void>) | null = async () => {
    const patched = await app.inject({ method: 'PATCH', url: `/v1/articles/${id}`, headers: { ...json, 'content-type': 'application/merge-patch+json' }, payload: { status: 'draft' } });
    t.equal(patched.statusCode, 200, 'unpublished meanwhile');
  };
  const hidingBeforeRows: StatementExecutor = {
    dialect: reader.dialect,
    prepare(query) {
      const prepared = reader.prepare(query);
      if (!new SQLiteSyncDialect().sqlToQuery(query.getSQL()).sql.startsWith('select "id", "slug", "title"')) return prepared;
      return {
        ...prepared,
        all: async (bindings) => {
          const once = hide;
          hide = null;
          await once?.();
          return prepared.all(bindings);
        },
      };
    },
  };
  const search = createSearch(hidingBeforeRows, fts5Index, changeStamp(database.reader));
  const publicly = publicAt(new Date().toISOString());
  const { results } = await search.search({ q: word, types: ['articles'], limit: 5, visibility: publicly });
  t.equal(hide, null, "the rows' statement ran after the index's");
  t.strictSame(results, [], 'the public is shown neither its title nor its snippet');
  const forEditors = await search.search({ q: word, types: ['articles'], limit: 5 });
  t.strictSame(
    forEditors.results.map((result) => result.id),
    [id],
    'a token reader still finds it',
  );
});
