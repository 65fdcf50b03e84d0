import t from 'tap';
import { articles } from '../../src/core/resources/articles/table.js';
import { meetings } from '../../src/core/resources/meetings/table.js';
import { engines } from '../engines.js';

/*
 * A list sorts NULLs lowest, as SQLite's b-trees hold them (list/sql.ts: `asc nulls first`, `desc nulls last`);
 * PostgreSQL's indexes of the nullable sort columns hold them so too (postgres-tables.ts), so a walk either way
 * reads the index's first rows instead of sorting the table. Asserted on the plan's JSON over a few thousand rows.
 */

const { onPostgres } = engines(t);

interface PlanNode {
  'Node Type': string;
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
