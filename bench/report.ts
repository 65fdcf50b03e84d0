import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { CpuUse } from './compare.js';
import { median } from './settings.js';

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
  /** Each round's a/b ratio of requests per second. */
  ratios: number[];
  sameBytes: string;
  note?: string;
}

/** A spread of per-round ratios wider than this says the ratio did not hold still. */
const steady = 0.1;

/** The least and the greatest of some ratios, and whether they lie further apart than a steady ratio's. */
function spreadOf(ratios: number[]): { min: number; max: number; wide: boolean } | null {
  if (ratios.length < 2) return null;
  const min = Math.min(...ratios);
  const max = Math.max(...ratios);
  return { min, max, wide: max - min > steady };
}

/** A ratio as reported: the median of the per-round ratios, beside their spread. */
export function ratioOf(ratios: number[]): number | null {
  return ratios.length > 0 ? median(ratios) : null;
}

const spreadText = (ratios: number[]) => {
  const spread = spreadOf(ratios);
  return spread ? `${spread.min.toFixed(2)}–${spread.max.toFixed(2)}${spread.wide ? ` (wider than ${steady})` : ''}` : '–';
};

export interface Check {
  name: string;
  value: number | null;
  unit: string;
  target: string;
  pass: boolean | null;
  note?: string;
  /** The per-round ratios behind a ratio's value. */
  ratios?: number[];
}

/** Whether every answer of these slices was a 2xx: one that got errors or non-2xx answers measured something else (a 429 costs less than a write). */
export const answered = (...stats: Array<Stats | null | undefined>) => stats.every((s) => s && s.non2xx === 0 && s.errors === 0);

/** A target's verdict on `value`; `valid` false when its slices were not all answered. */
export const check = (name: string, value: number | null, unit: string, target: string, ok: (v: number) => boolean, valid: boolean | null = true, note?: string): Check =>
  valid === false
    ? { name, value, unit, target, pass: null, note: 'not measured: errors or non-2xx answers' }
    : { name, value, unit, target, pass: value === null ? null : ok(value), ...(note ? { note } : {}) };

/** A target on the ratio of two sides' requests per second: the median of the per-round ratios, with their spread. */
export const ratioCheck = (name: string, comparison: { a: Stats; b: Stats | null; ratios: number[] } | null, target: string, ok: (v: number) => boolean, ratios = comparison?.ratios ?? []): Check => ({
  ...check(name, ratioOf(ratios), '×', target, ok, comparison && answered(comparison.a, comparison.b)),
  ratios,
});

/** A ratio measured for information, with no target. */
export const reported = (name: string, comparison: { a: Stats; b: Stats | null; ratios: number[] } | null, ratios?: number[]): Check => ratioCheck(name, comparison, 'reported', () => true, ratios);

const fixed = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? '–' : n.toFixed(digits));

export function scenarioTable(rows: ScenarioRow[]): string[][] {
  const header = ['scenario', 'sides', 'req/s', 'p50 ms', 'p99 ms', 'req/s (2nd)', 'p50 (2nd)', 'p99 (2nd)', 'ratio', 'ratio min–max', 'same bytes', 'not 2xx'];
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
    fixed(ratioOf(row.ratios)),
    spreadText(row.ratios),
    row.sameBytes,
    [row.a, row.b]
      .filter(Boolean)
      .map((s) => failed(s))
      .join(' / ') || '–',
  ]);
  return [header, ...body];
}

/** Which scenarios' per-round ratios spread wider than a steady ratio's, in a sentence. */
export function unsteadyLine(rows: ScenarioRow[]): string {
  const wide = rows.filter((row) => spreadOf(row.ratios)?.wide).map((row) => row.name);
  return wide.length === 0 ? `Every spread of per-round ratios is within ${steady}.` : `Per-round ratios spread wider than ${steady} (not steady): ${wide.join('; ')}.`;
}

/** Below this share of its core, a single server pinned to one was held back by something else on that core, or waited. */
const wholeCore = 0.9;

/**
 * What each side of a comparison used of the cores, in a sentence, and the database server beside each when it was
 * measured; said outright when the first side, a server pinned to one core, used less than `wholeCore` of it: its
 * ratio then measures what else ran there, or what it waited on.
 */
export function coresLine(name: string, sides: [string, string], cpu: CpuUse[]): string {
  const used = cpu.map((side, i) => {
    const database = side.database ? `, the database server ${side.database.cores.toFixed(2)} cores and ${side.database.usPerRequest.toFixed(0)} µs` : '';
    return `${sides[i]} ${side.serverCores.toFixed(2)} cores, ${side.serverUsPerRequest.toFixed(0)} µs a request (the load generator ${side.loaderUsPerRequest.toFixed(0)} µs${database})`;
  });
  const short = cpu[0] && cpu[0].serverCores < wholeCore ? ` ${sides[0]} used less than ${wholeCore} of its core: it was held back, by something else on its core or by waiting.` : '';
  return `CPU in ${name}, medians of the rounds: ${used.join('; ')}.${short}`;
}

export function checkTable(checks: Check[]): string[][] {
  const verdict = (check: Check) => (check.pass === null ? (check.note ?? 'not available') : check.pass ? 'met' : 'MISSED');
  const unsteady = (check: Check) => (spreadOf(check.ratios ?? [])?.wide ? ', but the ratio did not hold still' : '');
  return [
    ['target', 'measured', 'per-round min–max', 'goal', 'result'],
    ...checks.map((c) => [c.name, c.value === null ? '–' : `${fixed(c.value)} ${c.unit}`.trim(), spreadText(c.ratios ?? []), c.target, verdict(c) + unsteady(c)]),
  ];
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

const headingLevel = (line: string): number | null => /^(#{2,3}) /.exec(line)?.[1]?.length ?? null;

/**
 * The sections of the previous report that this run does not write, so that rewriting the report does not erase
 * them: those whose heading ends "(not a benchmark run)" (written by hand), and the scale curve when this run
 * measured one size only. Each runs to the next heading of its level or above.
 */
export function carriedSections(previous: string, writesCurve: boolean): string {
  const carried: string[] = [];
  let section: { level: number; lines: string[] } | null = null;
  const close = () => {
    if (section) carried.push(`\n${section.lines.join('\n').trimEnd()}\n`);
    section = null;
  };
  for (const line of previous.split('\n')) {
    const level = headingLevel(line);
    if (section && level !== null && level <= section.level) close();
    if (section) section.lines.push(line);
    else if (level !== null) {
      const title = line.slice(level + 1);
      if (title.endsWith('(not a benchmark run)') || (!writesCurve && title === 'Scale curve')) section = { level, lines: [line] };
    }
  }
  close();
  return carried.join('');
}
