import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import t from 'tap';
import { postgresDialect } from '../../src/core/db/dialect.js';
import { articles } from '../../src/core/resources/articles/table.js';
import { meetings } from '../../src/core/resources/meetings/table.js';
import { engines } from '../engines.js';

/*
 * What the list engine's statements cost on PostgreSQL, read from their plans (docs/postgresql.md, the list engine's
 * SQLite-specific parts): a list sorts NULLs lowest, as SQLite's b-trees hold them (list/sql.ts: `asc nulls first`,
 * `desc nulls last`), and PostgreSQL's indexes of the nullable sort columns hold them so too (postgres-tables.ts),
 * so a walk either way reads the index's first rows instead of sorting the table; a page's byte budget reads a
 * body's size, not the body.
 */

const { onPostgres } = engines(t);

interface PlanNode {
  'Node Type': string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Index Name'?: string;
  'Scan Direction'?: string;
  Plans?: PlanNode[];
}
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

const rows = 3_000;
const at = (i: number) => (i % 10 === 0 ? null : new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString());

onPostgres('a nullable sort column is walked on its index both ways, NULLs lowest', async (t, { insert, postgres }) => {
  const record = (i: number) => ({ id: `r${String(i).padStart(5, '0')}`, slug: `s${i}`, created_at: at(1)!, updated_at: at(1)! });
  for (let from = 0; from < rows; from += 1_000) {
    const batch = Array.from({ length: 1_000 }, (_, n) => from + n);
    await insert(
      articles,
      batch.map((i) => ({ ...record(i), title: `t${i}`, language: 'ar', body: [], status: 'published', published_at: at(i) })),
    );
    await insert(
      meetings,
      batch.map((i) => ({ ...record(i), title: `t${i}`, status: 'held', starts_at: at(i) })),
    );
  }
  await postgres.pool.query('analyze');
  for (const [table, column, index] of [
    ['articles', 'published_at', 'articles_published_at_idx'],
    ['meetings', 'starts_at', 'meetings_starts_at_idx'],
  ] as const) {
    for (const [order, direction] of [
      [`${column} asc nulls first, id asc`, 'Forward'],
      [`${column} desc nulls last, id desc`, 'Backward'],
    ] as const) {
      const { rows: explained } = await postgres.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) select id from ${table} order by ${order} limit 20`);
      const nodes = nodesOf(explained[0]!['QUERY PLAN'][0].Plan);
      t.notOk(
        nodes.some((node) => node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort'),
        `${table} by ${order}: no sort`,
      );
      t.ok(
        nodes.some((node) => node['Node Type'].startsWith('Index') && node['Index Name'] === index && node['Scan Direction'] === direction),
        `${table} by ${order}: ${index} walked ${direction.toLowerCase()}`,
      );
    }
  }
  // The order the plan promises is the one the list gives: NULLs first on the way up.
  const { rows: first } = await postgres.pool.query<{ id: string }>('select id from articles order by published_at asc nulls first, id asc limit 2');
  t.strictSame(
    first.map((row) => row.id),
    ['r00000', 'r00010'],
    'the undated articles first',
  );
});

onPostgres("a page's byte budget sizes a long body without reading it", async (t, { insert, postgres }) => {
  // Letters in a varying order, so that a body is stored out of line (TOASTed) and compressed little.
  let state = 7;
  const letter = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return String.fromCharCode(0x0621 + (state % 26));
  };
  const bodies = 100;
  const text = Array.from({ length: 20_000 }, letter).join('');
  const rows = Array.from({ length: bodies }, (_, i) => ({
    id: `a${String(i).padStart(3, '0')}`,
    slug: `s${i}`,
    title: 't',
    language: 'ar',
    body: [{ type: 'paragraph' as const, text: `${i}${text}` }],
    status: 'published' as const,
    published_at: null,
    created_at: at(1)!,
    updated_at: at(1)!,
  }));
  for (let from = 0; from < bodies; from += 20) await insert(articles, rows.slice(from, from + 20));
  await postgres.pool.query('vacuum analyze articles');
  const sized = new PgDialect().sqlToQuery(sql`select sum(${postgresDialect.storedBytes(articles.body)}) as bytes from ${articles}`).sql;
  const { rows: explained } = await postgres.pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (analyze, buffers, format json) ${sized}`);
  const plan = explained[0]!['QUERY PLAN'][0].Plan;
  const blocks = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
  // Each body is about 40 KB of text, five or more 8 KB blocks read whole: sizing them from their headers reads the table's few blocks.
  t.ok(blocks < bodies, `${bodies} bodies sized from ${blocks} blocks`);
  const { rows: summed } = await postgres.pool.query<{ bytes: string }>(sized);
  t.equal(
    Number(summed[0]!.bytes),
    rows.reduce((sum, row) => sum + Buffer.byteLength(JSON.stringify(row.body)), 0),
    "the bytes of the bodies' JSON text, as SQLite counts them",
  );
});
