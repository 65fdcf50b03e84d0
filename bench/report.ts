import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

export interface Stats {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface ScenarioRow {
  name: string;
  /** What the two columns are: khabar vs baseline, page 1 vs deep page, 1 vs 2 workers. */
  sides: [string, string | null];
  a: Stats | null;
  b: Stats | null;
  sameBytes: string;
  note?: string;
}

export interface Check {
  name: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  note?: string;
}

const fixed = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? '–' : n.toFixed(digits));

export function scenarioTable(rows: ScenarioRow[]): string[][] {
  const header = ['scenario', 'sides', 'req/s', 'p50 ms', 'p99 ms', 'req/s (2nd)', 'p50 (2nd)', 'p99 (2nd)', 'ratio', 'same bytes', 'not 2xx'];
  const failed = (s: Stats | null) => (s ? String(s.non2xx + s.errors) : '–');
  const body = rows.map((row) => [
    row.name,
    row.sides.filter(Boolean).join(' / '),
    row.a ? fixed(row.a.rps, 0) : (row.note ?? 'not available'),
    fixed(row.a?.p50, 3),
    fixed(row.a?.p99, 3),
    row.b ? fixed(row.b.rps, 0) : '–',
    fixed(row.b?.p50, 3),
    fixed(row.b?.p99, 3),
    row.a && row.b ? fixed(row.a.rps / row.b.rps) : '–',
    row.sameBytes,
    [row.a, row.b]
      .filter(Boolean)
      .map((s) => failed(s))
      .join(' / ') || '–',
  ]);
  return [header, ...body];
}

export function checkTable(checks: Check[]): string[][] {
  const verdict = (check: Check) => (check.pass === null ? (check.note ?? 'not available') : check.pass ? 'met' : 'MISSED');
  return [['target', 'measured', 'goal', 'result'], ...checks.map((c) => [c.name, c.value === null ? '–' : `${fixed(c.value)} ${c.unit}`.trim(), c.target, verdict(c)])];
}

/** A fixed-width table for the terminal. */
export function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

export function markdownTable(rows: string[][]): string {
  const [header, ...body] = rows;
  return [header!, header!.map(() => '---'), ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

const versionOf = (name: string) => (JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;

export function machineLines(): string[] {
  const packages = ['fastify', 'better-sqlite3', 'drizzle-orm', 'fast-json-stringify', 'zod', 'autocannon'];
  return [
    `- CPU: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; memory ${(totalmem() / 2 ** 30).toFixed(1)} GB; Linux ${release()}`,
    `- Node ${process.version}; ${packages.map((name) => `${name} ${versionOf(name)}`).join(', ')}`,
  ];
}
