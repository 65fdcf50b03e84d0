import { sql } from 'drizzle-orm';
import t from 'tap';
import { readBatch } from '../../src/core/list/embed.js';
import { pageByteBudget } from '../../src/core/list/sql.js';
import { auth, body, build, readRows } from '../helper.js';
import { generateDataset, requestStatements } from './dataset.js';

/** An article of `blocks` paragraphs of 10,000 Arabic letters: about 40 KB stored per paragraph (the blocks and the plain text). */
const article = (n: number, blocks: number) => ({
  title: `تقرير ${n}`,
  slug: `report-${n}`,
  language: 'ar',
  body: Array.from({ length: blocks }, (_, i) => ({ type: 'paragraph', text: `${n} ${i} ${'ب'.repeat(10_000)}` })),
});

/** What a record's text weighs at least as stored: its blocks as JSON and its plain text, in UTF-8. */
const textBytes = (record: { body: unknown; body_text: string }) => Buffer.byteLength(JSON.stringify(record.body)) + Buffer.byteLength(record.body_text);

t.test('a list page ends early at its byte budget, and the cursor continues from there', async (t) => {
  const app = await build(t);
  // Stored sizes from about 40 KB to 1.2 MB, in an order that puts small ones after a big one.
  for (const [n, blocks] of [1, 3, 8, 15, 25, 30, 2, 12, 20, 5, 9, 14].entries()) {
    const created = await app.inject({ method: 'POST', url: '/v1/articles', headers: auth, payload: article(n, blocks) });
    t.equal(created.statusCode, 201, `article ${n} of ${blocks} blocks created`);
  }
  const all = await readRows(app, sql<{ id: string; title: string }>`select id, title from articles order by id desc`);

  for (const sort of ['', 'title']) {
    const expected = sort === 'title' ? [...all].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : a.id < b.id ? -1 : 1)) : all;
    const seen: string[] = [];
    let cut = 0;
    let url: string | null = `/v1/articles?limit=100${sort ? `&sort=${sort}` : ''}`;
    while (url) {
      const response: { statusCode: number; body: string; headers: Record<string, unknown> } = await app.inject({ url });
      t.equal(response.statusCode, 200);
      const page = body<{ data: Array<{ id: string; body: unknown; body_text: string }>; links: { next: string | null } }>(response);
      t.ok(page.data.length >= 1, 'a page holds at least one record');
      const bytes = page.data.reduce((sum, record) => sum + textBytes(record), 0);
      if (page.data.length > 1) t.ok(bytes <= pageByteBudget, `a page of ${page.data.length} records holds ${bytes} bytes of text, within the budget`);
      if (page.links.next !== null && page.data.length < 100) cut++;
      t.equal(response.headers.link ?? null, page.links.next && `<${page.links.next}>; rel="next"`, 'Link: rel=next is links.next');
      seen.push(...page.data.map((record) => record.id));
      url = page.links.next;
    }
    t.ok(cut >= 3, `sort=${sort}: ${cut} pages ended at the budget rather than the limit`);
    t.same(
      seen,
      expected.map((row) => row.id),
      `sort=${sort}: every record exactly once, in order`,
    );
  }
});

t.test('a list page with includes ends early at its bound on embedded records, and the cursor continues from there', async (t) => {
  const app = await build(t);
  await generateDataset(app);
  const all = (await readRows(app, sql<{ id: string }>`select id from organisations order by id`)).map(({ id }) => id);
  type Embedded = { id: string };
  type Organisation = { id: string; articles: Embedded[]; meetings: Embedded[]; children: Embedded[]; members: Array<{ person: Embedded | null }> };
  const seen: string[] = [];
  let cut = 0;
  let url: string | null = '/v1/organisations?sort=id&limit=100&count=false&include=articles,meetings,children,members.person';
  while (url) {
    const response: { statusCode: number; body: string } = await app.inject({ url });
    t.equal(response.statusCode, 200);
    const page = body<{ data: Organisation[]; links: { next: string | null } }>(response);
    const embedded = new Set(
      page.data.flatMap((o) => [
        ...o.articles.map((a) => `articles:${a.id}`),
        ...o.meetings.map((m) => `meetings:${m.id}`),
        ...o.children.map((c) => `organisations:${c.id}`),
        ...o.members.flatMap((m) => (m.person ? [`people:${m.person.id}`] : [])),
      ]),
    );
    // The bound the API documents (docs/list-queries.md, the include parameter's description).
    if (page.data.length > 1) t.ok(embedded.size <= 100, `a page of ${page.data.length} records embeds ${embedded.size} distinct records, within the bound`);
    if (page.links.next !== null && page.data.length < 100) cut++;
    seen.push(...page.data.map((o) => o.id));
    url = page.links.next;
  }
  t.ok(cut >= 2, `${cut} pages ended at the bound rather than the limit`);
  t.same(seen, all, 'every record exactly once, in order');
  // A page cut by the bound stops reading its reverse relations part-way: the connection must be left free for writes.
  const written = await app.inject({
    method: 'POST',
    url: '/v1/organisations',
    headers: auth,
    payload: { slug: 'after-the-pages', name: 'إدارة بعد الصفحات', kind: 'agency', country: 'SA', aliases: [] },
  });
  t.equal(written.statusCode, 201, 'a write after the pages cut short by the bound succeeds');
});

t.test('a list page cut by its bound on embedded records reads about the records it shows, not the rest of its limit', async (t) => {
  const app = await build(t);
  await generateDataset(app);
  const url = '/v1/organisations?sort=id&limit=100&count=false&include=articles,meetings,children,members.person';
  let shown = 0;
  const calls = await requestStatements(app, async () => {
    shown = body<{ data: unknown[] }>(await app.inject({ url })).data.length;
  });
  t.ok(shown > 0 && shown < 100, `the first page shows ${shown} of its 100 records`);
  // Organisations are read by id for the page, a batch at a time, and once more as the page's embedded children.
  const byIds = calls.filter((call) => /^select .* from "organisations" where "organisations"."id" in \(select value from json_(each|array_elements_text)/.test(call.source));
  const readForPage = byIds.slice(0, -1).flatMap((call) => JSON.parse(String(call.args[0])) as string[]);
  t.ok(readForPage.length >= shown && readForPage.length < shown + readBatch, `${readForPage.length} organisations read for a page of ${shown}`);
});
