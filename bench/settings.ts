/** What every benchmark mode shares: the data set's size, the load's shape, khabar's environment. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const quick = process.env.BENCH_QUICK === '1';
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
export type DataSize = Record<'articles' | 'people' | 'organisations' | 'meetings', number>;
/** A data set of this many articles, with the default set's proportions of people, organisations and meetings. */
export const sizeFor = (articles: number): DataSize => ({ articles, people: Math.round(articles / 5), organisations: Math.max(1, Math.round(articles / 50)), meetings: Math.round(articles / 5) });
export const size: DataSize = quick ? { articles: 300, people: 60, organisations: 90, meetings: 40 } : sizeFor(100_000);
export const settings = {
  // Even by default: each side spends as many rounds on each core (see compare.ts).
  rounds: env('BENCH_ROUNDS', quick ? 2 : 6),
  slice: quick ? { amount: 100 } : { duration: env('BENCH_DURATION', 5) },
  // POST takes about 5 s to reach its steady rate on a fresh server (measured in 3 s slices at 100,000
  // articles: 540, 860, then 1,030 a second). That is V8 warming up on the one pinned core: its compiler and
  // GC threads took 20%, 9%, then 2% of the core's time in those slices, and the main thread's cost per
  // request fell by a third as code was optimised. Each side warms up for the same time.
  warmup: quick ? null : { duration: 6 },
  connections: 10,
  walInserts: quick ? 500 : 100_000,
  coldRuns: quick ? 1 : 3,
  deepPage: 5_000,
  pageSize: 20,
  /**
   * The mixed scenario: readers at a fixed offered rate (well below what one core serves, so that their
   * latency shows stalls rather than saturation) beside writers at a fixed 50 a second; seconds per slice.
   */
  mixed: { readRate: env('BENCH_MIXED_READ_RATE', quick ? 100 : 400), writeRate: 50, seconds: quick ? 1 : env('BENCH_MIXED_DURATION', 10) },
  /** Seconds between samples of the soak (`--soak <minutes>`). */
  soakSampleSeconds: quick ? 1 : 5,
  /** Articles the in-process micro-benchmark of derived structures writes. */
  derivedCostArticles: quick ? 100 : 3_000,
};
const token = 'bench-token-0123456789abcdef';
export const khabarEnv = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  SEED: 'never',
  RATE_LIMIT_MAX: '0',
  RATE_LIMIT_WRITE_MAX: '0',
  API_TOKENS: `bench:${token}`,
  HOST: '127.0.0.1',
};
export const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

/**
 * How an npm script of the checkout at `dir` runs node: its flags and its script, read from its package.json.
 * The server is measured as `npm start` runs it, and older builds start (and seed) from other paths.
 */
export function nodeScript(dir: string, name: string): { flags: string[]; script: string } {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string | undefined> };
  const command = /^node((?:\s+--\S+)*)\s+(\S+\.js)$/.exec(scripts[name]?.trim() ?? '');
  if (!command) throw new Error(`npm run ${name} is not \`node [--flags] <script>.js\` in ${dir}: ${scripts[name]}`);
  return { flags: command[1]!.split(/\s+/).filter(Boolean), script: command[2]! };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
}
export const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
