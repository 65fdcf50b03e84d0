import t from 'tap';
import type { ListQuery, SortKey } from '../../src/core/list/query.js';
import { pageByteBudget } from '../../src/core/list/sql.js';
import type { Visibility } from '../../src/core/list/visibility.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { engines } from '../engines.js';
import { publicAt } from '../helper.js';
import { walkArticles } from './article-walk.js';

/*
 * The list engine on the statement executor (docs/postgresql.md, step 2): the same pages, cursors, counts and byte
 * budget on SQLite and on PostgreSQL over the same rows. What each walk should give is computed here from the rows
 * inserted: filtered, sorted (NULLs lowest, the id breaking ties in the last key's direction, text in code point
 * order) and cut at the byte budget in plain TypeScript.
 */

const { onBoth } = engines(t);

type Article = typeof articles.$inferSelect;
const at = (day: number) => `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
const statuses = ['published', 'draft', 'archived'] as const;
/** 40 articles: some undated (NULL published_at), some scheduled past `now`, titles repeating so the id breaks ties, and a few bodies large enough that the byte budget cuts a page. */
const rows: Article[] = Array.from({ length: 40 }, (_, i) => ({
  id: `a${String(i).padStart(2, '0')}`,
  slug: `s${i}`,
  title: ['وزارة', 'اجتماع', 'تقرير', 'Zeta', 'ألف'][i % 5]!,
  language: i % 3 === 0 ? 'en' : 'ar',
  summary: i % 4 === 0 ? null : `ملخص ${i}`,
  body: [{ type: 'paragraph', text: i % 6 === 4 ? 'ب'.repeat(150_000 + i) : `نص ${i}` }],
  source: null,
  published_at: i % 7 === 0 ? null : at(((i * 11) % 28) + 1),
  status: statuses[i % 4 === 3 ? 1 : i % 10 === 5 ? 2 : 0]!,
  version: 1 + (i % 3),
  created_at: at(1),
  updated_at: at(((i * 5) % 28) + 1),
}));
const now = at(20);
const publicly: Visibility = publicAt(now);
const isPublic = (row: Article) => row.status === 'published' && (row.published_at === null || row.published_at <= now);

/** SQLite's order: NULL lowest, text by code point (JavaScript compares UTF-16 units: the same for these letters). */
function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}

/** The rows in the order a query sorts them, the id last in the last key's direction (newest first by default). */
function inOrder(selected: Article[], sort: SortKey[] = []): Article[] {
  const keys = sort.at(-1)?.field === 'id' ? sort : [...sort, { field: 'id', descending: sort.at(-1)?.descending ?? true }];
  return [...selected].sort((a, b) => {
    for (const { field, descending } of keys) {
      const order = compare(a[field as keyof Article], b[field as keyof Article]);
      if (order !== 0) return descending ? -order : order;
    }
    return 0;
  });
}

/** The bytes the budget counts of a row: each stored value as text in UTF-8, and the body once more (derived from it). */
function bytesOf(row: Article): number {
  const text = (value: unknown) => (value === null ? 0 : Buffer.byteLength(typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value)));
  return Object.values(row).reduce<number>((sum, value) => sum + text(value), 0) + text(row.body);
}

/** The pages a walk of `ordered` gives, `limit` at a time and each cut where its records' bytes would pass the budget (a page holds one at least). */
function pagesOf(ordered: Article[], limit: number): string[][] {
  const pages: string[][] = [];
  for (let at = 0; at < ordered.length; ) {
    let bytes = 0;
    let n = 0;
    while (n < limit && at + n < ordered.length && (n === 0 || bytes + bytesOf(ordered[at + n]!) <= pageByteBudget)) bytes += bytesOf(ordered[at + n++]!);
    pages.push(ordered.slice(at, at + n).map((row) => row.id));
    at += n;
  }
  return pages;
}

const sorts: SortKey[][] = [
  [],
  [{ field: 'published_at', descending: false }],
  [{ field: 'published_at', descending: true }],
  [
    { field: 'title', descending: false },
    { field: 'published_at', descending: true },
  ],
  [
    { field: 'title', descending: true },
    { field: 'published_at', descending: false },
  ],
];

onBoth('pages, cursors across NULLs, counts and the byte budget are the same on both engines', async (t, engine) => {
  await engine.insert(articles, rows);
  t.ok(
    rows.some((row) => row.published_at === null),
    'some articles are undated',
  );
  t.ok(
    pagesOf(inOrder(rows), 10).some((page) => page.length < 10 && page.length > 0),
    'the byte budget cuts some page of ten',
  );

  for (const sort of sorts) {
    const name = sort.map(({ field, descending }) => `${descending ? '-' : ''}${field}`).join(',') || 'newest';
    const all = await walkArticles(t, engine, { limit: 10, sort });
    t.strictSame(all.pages, pagesOf(inOrder(rows, sort), 10), `${name}: every article once, in order, pages cut at the byte budget`);
    t.strictSame(all.total, { value: rows.length, relation: 'eq' }, `${name}: counted`);
    const visible = await walkArticles(t, engine, { limit: 4, sort }, publicly);
    t.strictSame(
      visible.ids,
      inOrder(rows.filter(isPublic), sort).map((row) => row.id),
      `${name}: the public's articles, on its partial indexes`,
    );
    t.strictSame(visible.total, { value: rows.filter(isPublic).length, relation: 'eq' }, `${name}: the public's count`);
  }

  const filtered: Array<[string, ListQuery['filters'], (row: Article) => boolean]> = [
    ['language', [{ field: 'language', op: 'eq', value: 'ar' }], (row) => row.language === 'ar'],
    ['dated from the 10th', [{ field: 'published_at', op: 'gte', value: at(10) }], (row) => row.published_at !== null && row.published_at >= at(10)],
    ['not a draft', [{ field: 'status', op: 'ne', value: 'draft' }], (row) => row.status !== 'draft'],
    ['undated', [{ field: 'published_at', op: 'null', value: true }], (row) => row.published_at === null],
    [
      'a title holding two letters, and English',
      [
        { field: 'title', op: 'contains', value: 'ما' },
        { field: 'language', op: 'eq', value: 'en' },
      ],
      (row) => row.title.includes('ما') && row.language === 'en',
    ],
  ];
  for (const [name, filters, keep] of filtered) {
    for (const sort of [sorts[1]!, sorts[4]!]) {
      const expected = inOrder(rows.filter(keep), sort).map((row) => row.id);
      const listed = await walkArticles(t, engine, { limit: 3, sort, filters });
      t.strictSame(listed.ids, expected, `${name}, by ${JSON.stringify(sort)}: the matches in order`);
      t.strictSame(listed.total, { value: expected.length, relation: 'eq' }, `${name}: counted`);
      // Reading at most five rows a page: pages end short with a cursor, or the narrowest filter's candidates are joined back by their handle.
      const bounded = await walkArticles(t, engine, { limit: 3, sort, filters, count: false }, undefined, { examined: 5 });
      t.strictSame(bounded.ids, expected, `${name}: the same matches when a page reads five rows at most`);
    }
  }

  const capped = await walkArticles(t, engine, { limit: 3, filters: [{ field: 'language', op: 'eq', value: 'ar' }] }, undefined, { countCap: 4 });
  t.strictSame(capped.total, { value: 4, relation: 'gte' }, 'a count stops at its cap and says at least');
});
