import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, getTableName, sql } from 'drizzle-orm';
import t, { type Test } from 'tap';
import { openDatabase } from '../../src/core/db/database.js';
import { databaseOf, storesOf } from '../../src/core/db/handles.js';
import { writeOnSqlite } from '../../src/core/db/sqlite-write.js';
import { statement } from '../../src/core/db/statements.js';
import { maxReverseEmbedded, readBatch } from '../../src/core/list/embed.js';
import type { ListQuery, Operator } from '../../src/core/list/query.js';
import type { FilterSpec, ListExtension, ListSpec } from '../../src/core/list/spec.js';
import { createListing, maxCounted } from '../../src/core/list/sql.js';
import { articleList } from '../../src/core/resources/articles/list.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { createRepositories } from '../../src/core/resources/index.js';
import { meetingList } from '../../src/core/resources/meetings/list.js';
import { organisationList } from '../../src/core/resources/organisations/list.js';
import { personList } from '../../src/core/resources/people/list.js';
import type { App } from '../../src/web/app.js';
import { listParams, operatorsOf } from '../../src/web/list/params.js';
import { auth, body, build, firstRecords, listingSource, publicAt, readRows, recordStatements, recordsOf, sqliteOnly, storedRecord, writesOf } from '../helper.js';
import { generateDataset, requestStatements, rowsPerResource } from './dataset.js';

type Row = Record<string, any>;
/** What meta.total and meta.total_relation say of `n` matching records: exact under the count cap, else the cap as a lower bound. */
const counted = (n: number) => (n < maxCounted ? [n, 'eq'] : [maxCounted, 'gte']);

type Page = { data: Row[]; meta: { limit: number; next_cursor: string | null; total?: number; total_relation?: 'eq' | 'gte' }; links: { self: string; next: string | null } };

// Walks 1,000 records per resource many times over: more than tap's default 30 s under coverage on 2 cores.
t.setTimeout(180_000);

const resources: Array<{ path: string; spec: ListSpec; includes: string }> = [
  { path: 'articles', spec: articleList, includes: 'people,organisations,meetings' },
  { path: 'people', spec: personList, includes: 'affiliations.organisation,meetings,articles' },
  { path: 'organisations', spec: organisationList, includes: 'parent,children,members.person,meetings,articles' },
  { path: 'meetings', spec: meetingList, includes: 'host,participants.person,participants.organisation,organisations,articles' },
];

const query = (params: Record<string, string>) => new URLSearchParams(params).toString();
// With a token: the oracles are the generated rows, drafts included (test/visibility holds what the public sees).
const get = async (app: App, url: string) => {
  const response = await app.inject({ url, headers: auth });
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return { page: body<Page>(response), link: response.headers.link as string | undefined };
};

/** Follows links.next from `url` to the end; checks the Link header against links.next on the way. */
async function walk(t: Test, app: App, url: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (let next: string | null = url; next; ) {
    const { page, link } = await get(app, next);
    rows.push(...page.data);
    if (page.links.next !== null) t.equal(link, `<${page.links.next}>; rel="next"`, 'Link header') || t.bailout();
    else if (link !== undefined) t.fail('no Link header on the last page');
    next = page.links.next;
  }
  return rows;
}

/** SQLite's order: NULL lowest, text by code point; the id tie-break runs in the direction of the last key. */
function expectedOrder(rows: Row[], sort: string): Row[] {
  const keys = sort ? sort.split(',').map((key) => ({ field: key.replace('-', ''), descending: key.startsWith('-') })) : [];
  if (keys.at(-1)?.field !== 'id') keys.push({ field: 'id', descending: keys.at(-1)?.descending ?? true });
  return [...rows].sort((a, b) => {
    for (const { field, descending } of keys) {
      const [x, y] = [a[field], b[field]];
      if (x === y) continue;
      const order = x === null ? -1 : y === null ? 1 : x < y ? -1 : 1;
      return descending ? -order : order;
    }
    return 0;
  });
}

/** A table's rows as stored, read on the app's engine: the oracle the pages are checked against. */
const tableRows = (app: App, table: string): Promise<Row[]> => readRows<Row>(app, sql`select * from ${sql.identifier(table)}`);

/** The ids a filter should select, computed from the rows themselves. */
async function expectedIds(app: App, rows: Row[], filter: FilterSpec, op: Operator, value: unknown): Promise<Set<string>> {
  if (filter.kind === 'link') {
    const links = await tableRows(app, getTableName(filter.owner.table));
    const owners = (match: (v: string) => boolean) => new Set(links.filter((l) => match(l[filter.value.name])).map((l) => l[filter.owner.name]));
    const values = op === 'in' || op === 'nin' ? (value as string[]) : [value as string];
    const linked = owners((v) => values.includes(v));
    return new Set(rows.map((r) => r.id).filter((id) => (op === 'eq' || op === 'in' ? linked.has(id) : !linked.has(id))));
  }
  const test: Record<Operator, (v: any) => boolean> = {
    eq: (v) => v === value,
    ne: (v) => v !== value,
    lt: (v) => v !== null && v < (value as string),
    lte: (v) => v !== null && v <= (value as string),
    gt: (v) => v !== null && v > (value as string),
    gte: (v) => v !== null && v >= (value as string),
    in: (v) => (value as string[]).includes(v),
    nin: (v) => v === null || !(value as string[]).includes(v),
    contains: (v) => v?.includes(value) === true,
    startswith: (v) => v?.startsWith(value) === true,
    null: (v) => (v === null) === value,
  };
  return new Set(rows.filter((r) => test[op](r[filter.column.name])).map((r) => r.id));
}

/** A value for an operator, taken from the data (a link filter's from its link table). */
async function sampleValue(app: App, rows: Row[], filter: FilterSpec, op: Operator): Promise<{ value: unknown; text: string }> {
  const values: string[] =
    filter.kind === 'link' ? (await tableRows(app, getTableName(filter.owner.table))).map((l) => l[filter.value.name]) : rows.map((r) => r[filter.column.name]).filter((v) => v !== null);
  const [a, b] = [values[123 % values.length]!, values.find((v) => v !== values[123 % values.length])!];
  if (op === 'in' || op === 'nin') return { value: [a, b], text: `${a},${b}` };
  if (op === 'null') return { value: true, text: 'true' };
  const part = op === 'contains' ? a.slice(1, Math.max(2, a.length - 1)) : a.slice(0, Math.max(1, a.length - 1));
  if (op === 'contains' || op === 'startswith') return { value: part, text: part };
  return { value: a, text: a };
}

t.test('on 1,000 generated records per resource', async (t) => {
  // The list engine's costs are counted per request: a repeat must reach it, not the response cache.
  const app = await build(t, { responseCacheBytes: 0 });
  await generateDataset(app);

  await t.test('paging through any sort returns every row once, in order, NULLs included', async (t) => {
    for (const { path, spec } of resources) {
      const rows = await tableRows(app, path);
      t.ok(rows.length >= rowsPerResource, `${path}: ${rows.length} rows`);
      for (const field of ['', ...Object.keys(spec.sort), 'id']) {
        for (const sort of field ? [field, `-${field}`] : ['']) {
          const seen = await walk(t, app, `/v1/${path}?${query({ limit: '100', count: 'false', fields: 'id', ...(sort ? { sort } : {}) })}`);
          const ids = seen.map((r) => r.id);
          t.equal(new Set(ids).size, rows.length, `${path} sort=${sort}: every row once`);
          t.same(
            ids,
            expectedOrder(rows, sort).map((r) => r.id),
            `${path} sort=${sort}: in order, ties broken by id`,
          );
        }
      }
    }
    const multi = await walk(t, app, `/v1/articles?${query({ sort: '-published_at,title', limit: '100', fields: 'id' })}`);
    t.same(
      multi.map((r) => r.id),
      expectedOrder(await tableRows(app, 'articles'), '-published_at,title').map((r) => r.id),
      'a sort on two keys',
    );
  });

  await t.test('every filter with every operator it takes', async (t) => {
    for (const { path, spec } of resources) {
      const rows = await tableRows(app, path);
      const newestFirst = expectedOrder(rows, '');
      for (const [name, filter] of Object.entries(spec.filters)) {
        for (const op of operatorsOf(filter)) {
          const { value, text } = await sampleValue(app, rows, filter, op);
          const expected = await expectedIds(app, rows, filter, op, value);
          const { page } = await get(app, `/v1/${path}?${query({ [`filter[${name}][${op}]`]: text, limit: '100', fields: 'id' })}`);
          t.same([page.meta.total, page.meta.total_relation], counted(expected.size), `${path} filter[${name}][${op}]=${text}: total`);
          t.same(
            page.data.map((r) => r.id),
            newestFirst
              .filter((r) => expected.has(r.id))
              .slice(0, 100)
              .map((r) => r.id),
            `${path} filter[${name}][${op}]: rows`,
          );
        }
      }
    }
    const { page } = await get(app, `/v1/meetings?${query({ 'filter[status]': 'held', 'filter[starts_at][gte]': '2026-01-05', 'filter[starts_at][lt]': '2026-01-10' })}`);
    const expected = (await tableRows(app, 'meetings')).filter((m) => m.status === 'held' && m.starts_at >= '2026-01-05' && m.starts_at < '2026-01-10');
    t.ok(expected.length > 0);
    t.equal(page.meta.total, expected.length, 'filters combine (bare filter[field] is eq; a date range on a mixed date / date-time column)');
    const offset = await get(app, `/v1/articles?${query({ 'filter[published_at][eq]': '2026-01-01T03:00:00+03:00' })}`);
    t.equal(offset.page.meta.total, (await tableRows(app, 'articles')).filter((a) => a.published_at === '2026-01-01T00:00:00.000Z').length, 'a date-time with an offset compares in UTC');
  });

  await t.test('a filtered, sorted list pages through every match once, in order, found near the head of the sort order or not', async (t) => {
    const rows = await tableRows(app, 'articles');
    const links = await tableRows(app, 'article_people');
    const person = links[0]!.subject_id as string;
    const linked = new Set(links.filter((link) => link.subject_id === person).map((link) => link.article_id));
    const middle = expectedOrder(rows, 'published_at')[Math.floor(rows.length / 2)]!.published_at as string;
    // A third of the rows (every page near the head), 2% (never), and a half that the newest-first order meets only midway.
    const filters: Array<[Record<string, string>, (row: Row) => boolean]> = [
      [{ 'filter[language][eq]': 'ar' }, (row) => row.language === 'ar'],
      [{ 'filter[person][eq]': person }, (row) => linked.has(row.id)],
      [{ 'filter[published_at][lt]': middle, 'filter[language][ne]': 'fr' }, (row) => row.published_at !== null && row.published_at < middle && row.language !== 'fr'],
    ];
    for (const [filter, keep] of filters) {
      for (const sort of ['title', '-published_at', '']) {
        const seen = await walk(t, app, `/v1/articles?${query({ ...filter, limit: '7', count: 'false', fields: 'id', ...(sort ? { sort } : {}) })}`);
        t.same(
          seen.map((r) => r.id),
          expectedOrder(rows.filter(keep), sort).map((r) => r.id),
          `${query(filter)} sort=${sort}: every match once, in order`,
        );
      }
    }
  });

  await t.test("a broad filter's page walks the sort's index, not the filter's", sqliteOnly("reads SQLite's plan"), async (t) => {
    const calls = await requestStatements(app, () => get(app, `/v1/articles?${query({ 'filter[language][eq]': 'ar', sort: 'title', limit: '7' })}`));
    const plan = databaseOf(app.services)
      .sqlite.prepare(`explain query plan ${calls[0]!.source}`)
      .all(...calls[0]!.args) as Array<{ detail: string }>;
    t.ok(
      plan.some((step) => step.detail.includes('articles_title_idx')) && !plan.some((step) => step.detail.includes('articles_language_idx')),
      'a broad filter’s page walks the sort’s index, not the filter’s',
    );
  });

  await t.test('include embeds next to the references, narrowed by fields[type]', async (t) => {
    const { page: articlePage } = await get(app, '/v1/articles?include=people,organisations,meetings&fields=title,person_ids&fields[people]=name,slug&limit=50');
    for (const a of articlePage.data) {
      t.same(Object.keys(a).sort(), ['id', 'meetings', 'organisations', 'people', 'person_ids', 'title'], 'fields narrows the record; includes are added');
      t.same(
        a.people,
        await Promise.all(
          a.person_ids.map(async (id: string) => ({
            id,
            name: (await storedRecord(app, storesOf(app.services).people, id)).name,
            slug: (await storedRecord(app, storesOf(app.services).people, id)).slug,
          })),
        ),
        'people in person_ids order',
      );
      t.same(
        a.organisations[0],
        JSON.parse(JSON.stringify(await storedRecord(app, storesOf(app.services).organisations, a.organisations[0].id))),
        'an embedded organisation is its full representation',
      );
    }
    const { page: meetingPage } = await get(app, '/v1/meetings?include=host,participants.person,participants.organisation,articles&fields[people]=name&fields[organisations]=name&limit=100');
    for (const m of meetingPage.data) {
      t.equal(m.host?.id ?? null, m.host_organisation_id, 'host is host_organisation_id, or null');
      for (const p of m.participants) {
        t.same(p.person, { id: p.person_id, name: (await storedRecord(app, storesOf(app.services).people, p.person_id)).name });
        t.equal(p.organisation?.id ?? null, p.organisation_id, 'a participant without organisation embeds null');
      }
      t.same(
        m.articles.map((a: Row) => a.id),
        m.article_ids,
      );
    }
    const { page: oldestMeetings } = await get(app, '/v1/meetings?include=articles&sort=id&limit=5');
    const embeddedArticles = oldestMeetings.data.flatMap((m: Row) => m.articles as Row[]);
    t.ok(embeddedArticles.length >= 5, 'the oldest meetings have articles');
    for (const embedded of embeddedArticles) {
      const { body, body_text, ...summary } = JSON.parse(JSON.stringify(await storedRecord(app, storesOf(app.services).articles, embedded.id as string)));
      t.ok(body.length > 0 && body_text.length > 0, 'the stored article has its text');
      t.strictSame(embedded, summary, 'an embedded article is its full representation without body and body_text');
    }
    const unembeddable = await app.inject({ url: '/v1/meetings?include=articles&fields[articles]=title,body' });
    t.equal(unembeddable.statusCode, 400, 'fields[articles] cannot ask for an embedded body');
    const participations = await tableRows(app, 'meeting_participants');
    const { page: personPage } = await get(app, '/v1/people?include=affiliations.organisation,meetings&fields[meetings]=slug&limit=100');
    for (const p of personPage.data) {
      t.same(
        p.affiliations.map((a: Row) => a.organisation.id),
        p.affiliations.map((a: Row) => a.organisation_id),
      );
      const expected = [...new Set(participations.filter((r) => r.person_id === p.id).map((r) => r.meeting_id as string))].sort().reverse();
      t.same(
        p.meetings.map((m: Row) => m.id),
        expected,
        'reverse relation: the meetings the person took part in, newest first',
      );
    }
    const { page: orgPage } = await get(app, '/v1/organisations?include=parent,children,members.person&fields[organisations]=name&filter[kind]=ministry&limit=100');
    const all = await tableRows(app, 'organisations');
    for (const o of orgPage.data) {
      t.equal(o.parent?.id ?? null, o.parent_id);
      t.same(
        o.children.map((c: Row) => c.id).sort(),
        all
          .filter((c) => c.parent_id === o.id)
          .map((c) => c.id)
          .sort(),
        'children',
      );
      t.ok(
        o.members.every((m: Row) => m.person.id === m.person_id),
        'members.person',
      );
    }
    const one = await app.inject({ url: `/v1/meetings/${meetingPage.data[0]!.slug}?include=host,participants.person&fields=title,participants&fields[organisations]=name` });
    t.equal(one.statusCode, 200, 'GET one takes include and fields');
    t.same(Object.keys(body(one).data).sort(), ['host', 'id', 'participants', 'title']);
    t.equal(body(one).data.participants[0].person.id, body(one).data.participants[0].person_id);
    t.same((await storedRecord(app, storesOf(app.services).meetings, meetingPage.data[0]!.id)).id, body(one).data.id);
  });

  await t.test('a request costs the same number of statements for a page of 1 and of 100, but one per batch of records read and reverse include', async (t) => {
    for (const { path, spec, includes } of resources) {
      const url = (limit: number) => `/v1/${path}?${query({ include: includes, limit: String(limit), sort: '-updated_at', 'filter[updated_at][gte]': '2026-01-02' })}`;
      await get(app, url(1));
      const [one, hundred] = [await requestStatements(app, () => get(app, url(1))), await requestStatements(app, () => get(app, url(100)))];
      // A page that embeds reads its records a batch at a time, and the links of a reverse include for that batch of
      // owners, so that the records past its bound are not read.
      const batches = Math.ceil(100 / readBatch);
      const perBatch = 1 + includes.split(',').filter((path) => spec.include[path]?.kind === 'reverse').length;
      t.ok(
        hundred.length <= one.length + (batches - 1) * perBatch,
        `${path}: ${one.length} statements for a page of 1, ${hundred.length} for 100 (${batches} batches of records, ${perBatch} statements each)`,
      );
      t.ok(one.length <= 20, `${path}: bounded`);
    }
  });

  await t.test('no allowed filter or sort scans a table', sqliteOnly("reads SQLite's plans"), async (t) => {
    const urlsOf = async ({ path, spec, includes }: (typeof resources)[number]) => {
      const rows = await tableRows(app, path);
      const filtered = await Promise.all(
        Object.entries(spec.filters).flatMap(([name, filter]) =>
          operatorsOf(filter).map(async (op) => {
            const { text } = await sampleValue(app, rows, filter, op);
            return `/v1/${path}?${query({ [`filter[${name}][${op}]`]: text, limit: '5' })}`;
          }),
        ),
      );
      return [
        ...filtered,
        `/v1/${path}?${query({ include: includes, limit: '5' })}`,
        ...['id', ...Object.keys(spec.sort)].flatMap((field) => [field, `-${field}`]).map((sort) => `/v1/${path}?${query({ sort, limit: '5' })}`),
      ];
    };
    const urls = (await Promise.all(resources.map(urlsOf))).flat();
    const calls = await requestStatements(app, async () => {
      for (const url of urls) {
        const { page } = await get(app, url);
        if (page.links.next) await get(app, page.links.next);
        // The public's variant of each statement, which holds the visibility rule, is planned too.
        t.equal((await app.inject({ url })).statusCode, 200, `public ${url}`);
      }
    });
    const plans = new Map(calls.map((call) => [call.source, call.args]));
    for (const [source, args] of plans) {
      const plan = databaseOf(app.services)
        .sqlite.prepare(`explain query plan ${source}`)
        .all(...args) as Array<{ parent: number; detail: string }>;
      // A relation list reads its rows from an ordered subquery named as its table: the query around it scans
      // that subquery's output (a co-routine step with the same parent), which holds what the subquery's own
      // step found. A SCAN inside the co-routine would be a table scan, and is counted.
      const isSubquery = (step: { parent: number; detail: string }) => plan.some((other) => other.parent === step.parent && other.detail === `CO-ROUTINE ${step.detail.slice('SCAN '.length)}`);
      const scans = plan.filter((step) => /^SCAN \w+$/.test(step.detail) && !isSubquery(step)).map((step) => step.detail);
      t.same(scans, [], `no full scan: ${source.slice(0, 160)}`);
    }
    t.ok(plans.size > 50, `${plans.size} distinct statements explained`);
  });

  await t.test('a cursor is tied to its sort, and an extension can restrict the list', async (t) => {
    const { page } = await get(app, '/v1/articles?sort=title&limit=2');
    const reused = await app.inject({ url: `/v1/articles?sort=-title&cursor=${page.meta.next_cursor}` });
    t.equal(reused.statusCode, 400);
    t.same(body(reused).errors, [{ path: 'querystring.cursor', message: 'not a cursor of this list and sort' }]);

    // A lookup of the records titled exactly so: its matches listed (at most `examined`), or each row probed.
    const byTitle: ListExtension<string> = {
      name: 'q',
      schema: (await import('zod')).z.string(),
      prepare({ statements }) {
        const matches = statements.prepare(
          statement
            .select({ id: articles.id })
            .from(articles)
            .where(eq(articles.title, sql.placeholder('match')))
            .limit(sql.placeholder('most')),
        );
        return {
          lookUp: async (match) => ({
            key: match,
            matches: async (most) => (await matches.all({ match, most })).map((row) => row.id),
            cost: 1,
            probe: { condition: (table, name) => sql`${table.id} in (select id from articles where title = ${sql.placeholder(name)})`, value: match },
          }),
        };
      },
    };
    const spec: ListSpec = { ...articleList, extensions: [byTitle] };
    const query = listParams({ spec, fields: [], targetFields: {} }).parse({ q: 'مقال 5', limit: '3' });
    const titled = expectedOrder(
      (await tableRows(app, 'articles')).filter((a) => a.title === 'مقال 5'),
      '',
    ).map((a) => a.id);
    t.ok(titled.length > 3, `${titled.length} articles titled so`);
    const listed = await createListing(listingSource(app), articles, spec).page(query);
    t.same(listed.total, { value: titled.length, relation: 'eq' });
    t.same(listed.ids, titled.slice(0, 3), 'the extension condition restricts the rows');
    t.ok(listed.nextCursor, 'and pages as usual');

    // More matches than a page may read: each row read is probed, and the cursor goes on where the page stopped.
    const probing = createListing(listingSource(app), articles, spec, undefined, { examined: 2 });
    const seen: unknown[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10_000 && (pages === 0 || cursor); pages++) {
      const page = await probing.page({ ...query, cursor });
      t.ok(page.ids.length <= 3, 'a probing page stays within its limit');
      seen.push(...page.ids);
      cursor = page.nextCursor ?? undefined;
    }
    t.same(seen, titled, 'every match once, in order, when probed');
  });

  await t.test('a page reads a bounded number of rows: short of matches there it ends early with a cursor, and the count says at least', async (t) => {
    const rows = await tableRows(app, 'articles');
    const middle = expectedOrder(rows, 'published_at')[Math.floor(rows.length / 2)]!.published_at as string;
    const examined = 30;
    t.ok(rows.length > 10 * examined, `${rows.length} articles, far more than the ${examined} a page may read`);
    const listing = createListing(listingSource(app), articles, articleList, undefined, { examined });
    // The first filter's index lists more than `examined` candidates, the second seeks no index, and few rows pass both.
    const languages = [...new Set(rows.map((row) => row.language as string))];
    const share = (language: string) => rows.filter((row) => row.language === language).length;
    const rarest = languages.sort((a, b) => share(a) - share(b))[0]!;
    const filters = [
      { field: 'published_at', op: 'lt' as const, value: middle },
      { field: 'language', op: 'nin' as const, value: languages.filter((language) => language !== rarest) },
    ];
    const keep = (row: Row) => row.published_at !== null && (row.published_at as string) < middle && row.language === rarest;
    t.ok(rows.filter(keep).length * 5 < rows.length, `${rows.filter(keep).length} matches, fewer than one row in five`);
    const seen: unknown[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await listing.page({ limit: 5, sort: [{ field: 'title', descending: false }], filters, cursor, count: false });
      seen.push(...page.ids);
      sizes.push(page.ids.length);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && sizes.length < rows.length);
    t.same(
      seen,
      expectedOrder(rows.filter(keep), 'title').map((r) => r.id),
      'every match once, in order',
    );
    t.ok(
      sizes.some((n) => n < 5),
      `some pages end short of the limit, with a cursor (${sizes.length} pages)`,
    );
    // A reader without a token walks the public rows only (drafts and archived articles are among these): its
    // pages hold the public matches, and each cursor, short pages' included, is made from a public row.
    const publicly = publicAt('9999-01-01T00:00:00.000Z');
    const isPublic = (row: Row) => row.status === 'published';
    t.ok(
      rows.some((row) => !isPublic(row)),
      'some articles are hidden from the public',
    );
    const publicSeen: unknown[] = [];
    const cursorRows: unknown[] = [];
    let publicCursor: string | undefined;
    do {
      const page = await listing.page({ limit: 5, sort: [{ field: 'title', descending: false }], filters, cursor: publicCursor, count: false }, publicly);
      publicSeen.push(...page.ids);
      publicCursor = page.nextCursor ?? undefined;
      if (publicCursor) cursorRows.push((JSON.parse(Buffer.from(publicCursor, 'base64url').toString()) as { k: unknown[] }).k.at(-1));
    } while (publicCursor && cursorRows.length < rows.length);
    t.same(
      publicSeen,
      expectedOrder(
        rows.filter((row) => keep(row) && isPublic(row)),
        'title',
      ).map((r) => r.id),
      'a public walk: every public match once, in order',
    );
    const publicIds = new Set(rows.filter(isPublic).map((row) => row.id));
    t.ok(cursorRows.length > 0, `${cursorRows.length} cursors`);
    t.same(
      cursorRows.filter((id) => !publicIds.has(id as string)),
      [],
      'no cursor names a hidden row',
    );
    const first = await listing.page({ limit: 25, sort: [{ field: 'updated_at', descending: true }], filters });
    const { total } = first;
    const held = (await recordsOf(first)).length;
    t.equal(total?.relation, 'gte', 'a count that read only some candidates is a lower bound');
    t.ok(total!.value >= held, `at least the matches the page holds (${total!.value} >= ${held})`);
    t.ok(total!.value <= rows.filter(keep).length, `and not above the true count (${total!.value})`);
    const narrow = await listing.page({ limit: 5, sort: [{ field: 'title', descending: false }], filters: [...filters, { field: 'published_at', op: 'lt', value: '2000-01-01' }] });
    t.same([await recordsOf(narrow), narrow.nextCursor, narrow.total], [[], null, { value: 0, relation: 'eq' }], 'a filter whose index lists no row: an empty last page, counted exactly');
  });

  await t.test('meta.total is exact below the count cap, and past it says it is a lower bound', async (t) => {
    const arabic = (await tableRows(app, 'articles')).filter((a) => a.language === 'ar').length;
    t.ok(arabic > 10, `${arabic} Arabic articles`);
    const query = { limit: 5, filters: [{ field: 'language', op: 'eq' as const, value: 'ar' }] };
    const capped = async (countCap: number) => (await createListing(listingSource(app), articles, articleList, undefined, { countCap }).page(query)).total;
    t.same(await capped(arabic + 1), { value: arabic, relation: 'eq' }, 'exact under the cap');
    t.same(await capped(arabic), { value: arabic, relation: 'gte' }, 'at the cap: at least that many');
    t.same(await capped(10), { value: 10, relation: 'gte' }, 'past the cap: the cap, as a lower bound');
    const marginAt = async (countCap: number, filters: ListQuery['filters'] = query.filters) =>
      (await createListing(listingSource(app), articles, articleList, undefined, { countCap }).page({ ...query, filters })).totalMargin;
    t.equal(await marginAt(10), arabic - 10, 'past the cap, its margin: the matches beyond it, which could leave with the total read the same');
    t.equal(await marginAt(arabic), 0, 'at the cap, none');
    t.equal(await marginAt(arabic + 1), 0, 'nor for an exact total');
    t.equal(await marginAt(10, [{ field: 'language', op: 'ne', value: 'en' }]), 0, 'nor for a count that read rows, which stops at the cap');
    const { page } = await get(app, '/v1/articles?filter[language]=ar&limit=5');
    t.same([page.meta.total, page.meta.total_relation], [arabic, 'eq'], 'the API says which, under the default cap');
    const { page: uncounted } = await get(app, '/v1/articles?filter[language]=ar&limit=5&count=false');
    t.same([uncounted.meta.total, uncounted.meta.total_relation], [undefined, undefined], 'count=false: neither');
  });
});

t.test('paging while records are inserted returns every original row exactly once', async (t) => {
  const app = await build(t);
  await generateDataset(app);
  const original = new Set((await readRows(app, sql<{ id: string }>`select id from articles`)).map(({ id }) => id));
  for (const sort of ['', '-published_at']) {
    const seen: string[] = [];
    let next: string | null = `/v1/articles?${query({ limit: '100', fields: 'id', ...(sort ? { sort } : {}) })}`;
    for (let i = 0; next; i++) {
      const { page }: { page: Page } = await get(app, next);
      seen.push(...page.data.map((r) => r.id));
      for (const [k, title] of ['مقال 0', 'مقال 150', 'ي'].entries()) {
        const created = await app.inject({
          method: 'POST',
          url: '/v1/articles',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: { slug: `new-${sort.replace(/[^a-z]/g, '') || 'id'}-${i}-${k}`, title, language: 'ar', body: [{ type: 'paragraph', text: 'نص' }], published_at: '2026-01-05T00:00:00Z' },
        });
        t.equal(created.statusCode, 201);
      }
      next = page.links.next;
    }
    t.equal(new Set(seen).size, seen.length, `sort=${sort}: no row twice`);
    t.ok(
      [...original].every((id) => seen.includes(id)),
      `sort=${sort}: every row that was there is seen`,
    );
  }
});

t.test('list parameters: pages, count, links, and every way to get one wrong', async (t) => {
  const app = await build(t);
  const { page, link } = await get(app, '/v1/organisations?limit=2&count=false');
  t.equal(page.meta.total, undefined, 'count=false leaves out total');
  t.equal(page.links.self, '/v1/organisations?limit=2&count=false');
  t.equal(page.links.next, `/v1/organisations?limit=2&count=false&cursor=${page.meta.next_cursor}`);
  t.equal(link, `<${page.links.next}>; rel="next"`);

  const cases: Array<[string, string, RegExp]> = [
    ['/v1/people?colour=blue', 'querystring', /unknown parameter colour; allowed: limit, cursor, sort, filter, count, q, fields/],
    ['/v1/people?filter[nme]=x', 'querystring.filter', /unknown filter nme; allowed: id, slug, updated_at, name, country, organisation/],
    ['/v1/people?filter[name][like]=x', 'querystring.filter.name', /unknown operator like; allowed: eq, ne, lt, lte, gt, gte, in, nin, contains, startswith/],
    ['/v1/people?filter[name][null]=true', 'querystring.filter.name', /unknown operator null/],
    ['/v1/meetings?filter[status]=done', 'querystring.filter.status.eq', /expected one of "planned"\|"held"\|"cancelled"/],
    ['/v1/meetings?filter[starts_at][gte]=yesterday', 'querystring.filter.starts_at.gte', /ISO 8601 date, or a date-time/],
    ['/v1/meetings?filter[starts_at][lt]=2026-02-30', 'querystring.filter.starts_at.lt', /ISO 8601/],
    ['/v1/articles?filter[person]=x', 'querystring.filter.person.eq', /record id/],
    ['/v1/articles?filter[language][in]=', 'querystring.filter.language.in.0', /.+/],
    ['/v1/articles?filter[published_at][null]=maybe', 'querystring.filter.published_at.null', /true|false/],
    ['/v1/articles?filter[language]=ar&filter[language]=en', 'querystring.filter.language.eq', /given more than once/],
    ['/v1/articles?filter[language]=ar&filter[language][eq]=en', 'querystring.filter.language.eq', /given more than once/],
    ['/v1/articles?filter[title][in]=a&filter[title][in]=b', 'querystring.filter.title.in', /given more than once/],
    ['/v1/articles?limit=10&limit=20', 'querystring.limit', /given more than once/],
    ['/v1/articles?sort=title&sort=-title', 'querystring.sort', /given more than once/],
    ['/v1/articles/x?fields=id&fields=title', 'querystring.fields', /given more than once/],
    ['/v1/articles?filter=ar', 'querystring.filter', /object/],
    // A plain `filter` is refused by name whether it comes before or after bracketed filters, which cannot hide it.
    ['/v1/articles?filter=ar&filter[language]=ar', 'querystring.filter', /object/],
    ['/v1/articles?filter[language]=ar&filter=ar', 'querystring.filter', /object/],
    ['/v1/articles?sort=-colour', 'querystring.sort', /unknown sort key "-colour"; allowed: id, -id, published_at, -published_at, title/],
    ['/v1/articles?sort=title,title', 'querystring.sort', /given twice/],
    ['/v1/articles?fields=id,colour', 'querystring.fields', /unknown field "colour"; allowed: id, slug/],
    ['/v1/articles?fields[people]=name,age', 'querystring.fields[people]', /unknown field of people "age"; allowed: id, slug/],
    ['/v1/articles?fields[things]=a', 'querystring', /unknown parameter fields\[things\]; allowed: .*fields\[people\]/],
    ['/v1/articles?include=authors', 'querystring.include', /unknown include path "authors"; allowed: people, organisations, meetings/],
    ['/v1/articles?limit=0', 'querystring.limit', /.+/],
    ['/v1/articles?limit=101', 'querystring.limit', /.+/],
    ['/v1/articles?count=maybe', 'querystring.count', /.+/],
    ['/v1/articles?cursor=bm90LWpzb24', 'querystring.cursor', /cursor/],
    ['/v1/articles/x?sort=title', 'querystring', /unknown parameter sort; allowed: fields/],
    ['/v1/articles/x?include=people.friends', 'querystring.include', /unknown include path "people.friends"/],
  ];
  for (const [url, path, message] of cases) {
    const response = await app.inject({ url: url.replace(/\[/g, '%5B').replace(/\]/g, '%5D') });
    t.equal(response.statusCode, 400, `${url}: 400`);
    t.match(response.headers['content-type'], /^application\/problem\+json/);
    const problem = body(response);
    t.equal(problem.code, 'validation_failed');
    t.equal(problem.errors[0].path, path, `${url}: names ${path}`);
    t.match(problem.errors[0].message, message, `${url}: says what is allowed`);
  }
  const repeated = body(await app.inject({ url: '/v1/articles?filter%5Btitle%5D=a&filter%5Btitle%5D%5Beq%5D=b' }));
  t.equal(repeated.detail, 'filter[title][eq] is given more than once; give each parameter once', 'the detail names the parameter as written');
});

t.test(
  'a public read finds the next scheduled publication by seeking past the moment, not by reading every published article',
  sqliteOnly("counts SQLite's statements and reads its plan"),
  async (t) => {
    const app = await build(t);
    const calls = await recordStatements(app, async () => {
      t.equal((await app.inject({ url: '/v1/articles?limit=1' })).statusCode, 200);
    });
    const schedule = calls.find((call) => /\bmin\(/.test(call.source) && call.source.includes('published_at'));
    t.ok(schedule, 'the first public read asks when the next publication is due');
    const plan = (
      databaseOf(app.services)
        .sqlite.prepare(`explain query plan ${schedule!.source}`)
        .all(...schedule!.args) as Array<{ detail: string }>
    ).map((step) => step.detail);
    t.match(plan.join('\n'), /^SEARCH articles USING (COVERING )?INDEX \w+ \(published_at>\?\)$/m, `a range seek on published_at: ${plan.join('; ')}`);
  },
);

t.test('meta.total is kept until the database changes, whichever connection changes it', sqliteOnly('a second connection writes the SQLite file'), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-total-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const databaseUrl = `file:${join(dir, 'khabar.db')}`;
  const app = await build(t, { databaseUrl });
  const total = async (url: string) => (body(await app.inject({ url })) as Page).meta.total;
  const before = await total('/v1/articles?limit=1');
  const arabic = await total('/v1/articles?limit=1&filter[language][eq]=ar');

  const created = await app.inject({
    method: 'POST',
    url: '/v1/articles',
    headers: { ...auth, 'content-type': 'application/json' },
    payload: { slug: 'عدد-1', title: 'عدد', language: 'ar', body: [{ type: 'paragraph', text: 'نص' }] },
  });
  t.equal(created.statusCode, 201);
  t.equal(await total('/v1/articles?limit=1'), before! + 1, 'a write through the API');
  t.equal(await total('/v1/articles?limit=1&filter[language][eq]=ar'), arabic! + 1, 'every filtered total too');

  // Another connection to the same file, as another worker process would be.
  const other = openDatabase(databaseUrl);
  await writeOnSqlite(other.sqlite, (tx) => createRepositories().articles.create(tx, { slug: 'عدد-2', title: 'عدد', language: 'ar', body: [{ type: 'paragraph', text: 'نص' }] }));
  other.close();
  t.equal(await total('/v1/articles?limit=1'), before! + 2, 'a commit by another connection');
});

t.test('a reverse include embeds the newest records up to its bound, and the filtered list has them all', async (t) => {
  const app = await build(t);
  const ministry = (await firstRecords(app, storesOf(app.services).organisations))[0]!;
  const created: string[] = [];
  for (let i = 0; i < maxReverseEmbedded + 5; i++) {
    created.push((await writesOf(app).articles.create({ slug: `عن-الوزارة-${i}`, title: `عن الوزارة ${i}`, language: 'ar', body: [], organisation_ids: [ministry.id] })).id);
  }
  const { page } = await get(app, `/v1/organisations/${ministry.id}?include=articles&fields[articles]=id`);
  const embedded = (page.data as unknown as { articles: Row[] }).articles.map((a) => a.id);
  t.same(embedded, [...created].reverse().slice(0, maxReverseEmbedded), 'the newest, newest first');
  const listed = await walk(t, app, `/v1/articles?filter[organisation]=${ministry.id}&limit=100&fields=id`);
  t.ok(
    created.every((id) => listed.some((a) => a.id === id)),
    'the list filtered by the organisation holds every one',
  );
});
