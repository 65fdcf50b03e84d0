/**
 * `npm run bench`: khabar's compiled production server against a raw node:http + better-sqlite3 baseline, in
 * the same run, on a generated data set. Load comes from autocannon in its own process; the two servers take
 * turns (A B A B …) and medians are reported; each server and the load generator are pinned to separate
 * cores where taskset allows. Prints a table and writes docs/benchmarks.md. BENCH_QUICK=1 runs a tiny version
 * (the smoke test in npm test).
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import ts from 'typescript';
import { openDatabase } from '../src/core/db/database.js';
import { createRepositories } from '../src/core/resources/index.js';
import { freePort } from './free-port.js';
import type { Slice, SliceResult } from './load.js';
import { canPin, peakRssMb, pin, type ServerProcess, startServer } from './processes.js';
import { type Check, checkTable, machineLines, markdownTable, type ScenarioRow, type Stats, scenarioTable, textTable } from './report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const env = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);
const size = quick ? { articles: 300, people: 60, organisations: 90, meetings: 40 } : { articles: 100_000, people: 20_000, organisations: 2_000, meetings: 20_000 };
const settings = {
  rounds: env('BENCH_ROUNDS', quick ? 1 : 3),
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
};
const reportPath = process.env.BENCH_REPORT ?? (quick ? '' : join(root, 'docs', 'benchmarks.md'));
const token = 'bench-token-0123456789abcdef';
const khabarEnv = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  SEED: 'never',
  RATE_LIMIT_MAX: '0',
  RATE_LIMIT_WRITE_MAX: '0',
  API_TOKENS: `bench:${token}`,
  HOST: '127.0.0.1',
};
/** The node flags `npm start` runs the server with: the server is measured as it is deployed. */
function startFlags(): string[] {
  const { start } = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts;
  const command = /\bnode((?:\s+--\S+)*)\s+dist\/web\/server\.js/.exec(start);
  if (!command) throw new Error(`npm start does not run node dist/web/server.js: ${start}`);
  return command[1]!.split(/\s+/).filter(Boolean);
}
const serverFlags = startFlags();
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
/** The machine's 1-minute load average when the run began: on a shared machine, figures taken under load are provisional. */
const loadAtStart = loadavg()[0]!;

/** The data set: a copy of BENCH_DB when given, else generated with the seed:synthetic command (timed). */
function prepareDatabase(dir: string): { file: string; seedSeconds: number | null } {
  const file = join(dir, 'bench.db');
  if (process.env.BENCH_DB) {
    copyFileSync(process.env.BENCH_DB, file);
    return { file, seedSeconds: null };
  }
  const args = Object.entries(size).flatMap(([key, n]) => [`--${key}`, String(n)]);
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(root, 'dist/core/cli/seed-synthetic.js'), ...args, '--seed', '42'], { env: { ...process.env, DATABASE_URL: `file:${file}` }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`seed:synthetic failed: ${result.stderr}`);
  return { file, seedSeconds: (performance.now() - started) / 1000 };
}

/** The baseline is TypeScript; it runs as plain JavaScript so that no loader sits in its process. */
function compileBaseline(): string {
  const out = join(root, 'dist', 'bench', 'baseline.js');
  mkdirSync(dirname(out), { recursive: true });
  const source = readFileSync(join(root, 'bench', 'baseline.ts'), 'utf8');
  writeFileSync(out, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
  return out;
}

interface Sample {
  articlePaths: string[];
  postBody: Record<string, unknown>;
}

function sampleData(file: string): Sample {
  const db = new Sqlite(file, { readonly: true });
  const total = db.prepare('select count(*) from articles').pluck().get() as number;
  const step = Math.max(1, Math.floor(total / 1000));
  const ids = db.prepare('select id from articles where rowid % ? = 0 limit 1000').pluck().all(step) as string[];
  const pick = (table: string, n: number) => db.prepare(`select id from ${table} limit ?`).pluck().all(n) as string[];
  const article = db.prepare('select title, body, source from articles limit 1').get() as { title: string; body: string; source: string | null };
  const postBody = {
    title: article.title,
    language: 'ar',
    summary: null,
    body: JSON.parse(article.body),
    source: article.source,
    published_at: null,
    person_ids: pick('people', 2),
    organisation_ids: pick('organisations', 2),
    meeting_ids: pick('meetings', 1),
  };
  db.close();
  return { articlePaths: ids.map((id) => `/v1/articles/${id}`), postBody };
}

class Loader {
  private child: ChildProcess;
  constructor() {
    this.child = fork(join(root, 'bench', 'load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }
  /** Runs one slice, the load generator pinned away from the server's core. */
  run(server: ServerProcess, slice: Omit<Slice, 'url'>): Promise<SliceResult> {
    pin(this.child.pid!, server.core === null ? null : 1 - server.core);
    return new Promise((resolve, reject) => {
      this.child.once('message', (message: { result?: SliceResult; error?: string }) => (message.result ? resolve(message.result) : reject(new Error(message.error))));
      this.child.send({ ...slice, url: server.url });
    });
  }
  stop() {
    this.child.kill();
  }
}

interface Side {
  server: ServerProcess;
  slice: Omit<Slice, 'url' | 'connections'>;
}

/** Interleaved slices of two sides (A B A B …, or A A … alone), medians of each. */
async function compare(loader: Loader, sides: [Side, Side | null], connections: number): Promise<[Stats, Stats | null]> {
  const present = sides.filter((side): side is Side => side !== null);
  const results = present.map(() => [] as SliceResult[]);
  if (settings.warmup) for (const side of present) await loader.run(side.server, { ...side.slice, connections, ...settings.warmup });
  for (let round = 0; round < settings.rounds; round++) {
    for (const [i, side] of present.entries()) results[i]!.push(await loader.run(side.server, { ...side.slice, connections, ...settings.slice }));
  }
  const stats = results.map(
    (slices): Stats => ({
      rps: median(slices.map((s) => s.rps)),
      p50: median(slices.map((s) => s.p50)),
      p99: median(slices.map((s) => s.p99)),
      non2xx: slices.reduce((n, s) => n + s.non2xx, 0),
      errors: slices.reduce((n, s) => n + s.errors, 0),
    }),
  );
  return [stats[0]!, stats[1] ?? null];
}

async function request(server: ServerProcess, path: string, init: RequestInit = {}) {
  const response = await fetch(server.url + path, init);
  return { status: response.status, text: await response.text() };
}

/** Compares the bodies the two servers send; `mask` blanks what must differ (ids, times, slugs of new records). */
async function sameBytes(a: ServerProcess, b: ServerProcess, path: string, init: () => RequestInit = () => ({}), mask = (text: string) => text) {
  const x = await request(a, path, init());
  const y = await request(b, path, init());
  if (mask(x.text) === mask(y.text)) return 'yes';
  if (process.env.BENCH_DEBUG) log(`bytes differ on ${path}:\n${x.status} ${x.text}\n${y.status} ${y.text}`);
  return 'no';
}

/** The path of the list page that starts after `offset` articles, reached by following cursors. */
async function pageAt(server: ServerProcess, offset: number): Promise<string> {
  let path = '/v1/articles?limit=100';
  for (let seen = 0; seen < offset; ) {
    const step = Math.min(100, offset - seen);
    path = path.replace(/limit=\d+/, `limit=${step}`);
    const page = JSON.parse((await request(server, path)).text) as { links: { next: string | null } };
    seen += step;
    if (!page.links.next) break;
    path = page.links.next;
  }
  return path.replace(/limit=\d+/, `limit=${settings.pageSize}`);
}

function walCheck(file: string, inserts: number, body: Record<string, unknown>): number {
  const database = openDatabase(`file:${file}`);
  const { articles } = createRepositories(database.db);
  let largest = 0;
  for (let i = 0; i < inserts; i++) {
    articles.create({ ...(body as Parameters<typeof articles.create>[0]), slug: `قياس-السجل-${i}` });
    if (i % 1000 === 999 || i === inserts - 1) largest = Math.max(largest, statSync(`${file}-wal`).size);
  }
  database.close();
  return largest / 2 ** 20;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-bench-'));
  const started: ServerProcess[] = [];
  const track = (server: ServerProcess) => {
    started.push(server);
    return server;
  };
  try {
    log(`data set ${JSON.stringify(size)}${quick ? ' (quick)' : ''}`);
    const { file, seedSeconds } = prepareDatabase(dir);
    const baselineScript = compileBaseline();
    const sample = sampleData(file);
    const readyPath = sample.articlePaths[0]!;
    const khabar = async (core: number | null, extra: Record<string, string> = {}) => {
      const port = await freePort();
      return track(
        await startServer({
          name: 'khabar',
          args: [...serverFlags, join(root, 'dist/web/server.js')],
          env: { ...khabarEnv, DATABASE_URL: `file:${file}`, PORT: String(port), ...extra },
          port,
          core,
          readyPath,
        }),
      );
    };

    log('cold starts');
    const coldStarts: number[] = [];
    for (let i = 1; i < settings.coldRuns; i++) {
      const server = await khabar(0);
      coldStarts.push(server.startMs);
      await server.stop();
    }
    const server = await khabar(0);
    coldStarts.push(server.startMs);
    const baselinePort = await freePort();
    const baseline = track(await startServer({ name: 'baseline', args: [baselineScript, file, String(baselinePort)], port: baselinePort, core: 1, readyPath }));
    const loader = new Loader();
    process.once('exit', () => loader.stop());
    const rows: ScenarioRow[] = [];
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    const pair = async (name: string, slice: Side['slice'], options: { sameBytes?: string } = {}) => {
      const probe = await request(server, slice.paths[0]!, slice.method === 'POST' ? { method: 'POST', headers: auth, body: JSON.stringify({ ...slice.body, slug: 'قياس-تجربة' }) } : {});
      if (probe.status >= 400) {
        rows.push({ name, sides: ['khabar', 'baseline'], a: null, b: null, sameBytes: '–', note: `not available (${probe.status})` });
        return null;
      }
      log(name);
      const [a, b] = await compare(
        loader,
        [
          { server, slice },
          { server: baseline, slice },
        ],
        settings.connections,
      );
      const bytes = options.sameBytes ?? (await sameBytes(server, baseline, slice.paths[0]!));
      rows.push({ name, sides: ['khabar', 'baseline'], a, b, sameBytes: bytes });
      return [a, b!] as const;
    };

    const get = await pair('get by id', { method: 'GET', paths: sample.articlePaths });
    const list = await pair('list of 20', { method: 'GET', paths: [`/v1/articles?limit=${settings.pageSize}`] });
    const include = await pair('list of 20, include=people,organisations', { method: 'GET', paths: [`/v1/articles?limit=${settings.pageSize}&include=people,organisations`] });

    log('deep page');
    const total = (JSON.parse((await request(server, '/v1/articles?limit=1')).text) as { meta: { total: number } }).meta.total;
    const deepPage = Math.min(settings.deepPage, Math.floor(total / settings.pageSize));
    const deepPath = await pageAt(server, (deepPage - 1) * settings.pageSize);
    const [page1, deep] = await compare(
      loader,
      [
        { server, slice: { method: 'GET', paths: [`/v1/articles?limit=${settings.pageSize}`] } },
        { server, slice: { method: 'GET', paths: [deepPath] } },
      ],
      1,
    );
    rows.push({ name: `page 1 vs page ${deepPage} (1 connection)`, sides: ['page 1', `page ${deepPage}`], a: page1, b: deep, sameBytes: await sameBytes(server, baseline, deepPath) });

    const searchPaths = ['التعاون الأمني', 'الداخلية', 'تبادل الخبرات', 'مكافحة الإرهاب', 'الأحوال المدنية'].map((q) => `/v1/search?q=${encodeURIComponent(q)}`);
    const searchProbe = await request(server, searchPaths[0]!);
    let search: Stats | null = null;
    if (searchProbe.status < 400) {
      log('search');
      [search] = await compare(loader, [{ server, slice: { method: 'GET', paths: searchPaths } }, null], settings.connections);
    }
    rows.push({ name: 'search', sides: ['khabar', null], a: search, b: null, sameBytes: '–', note: `not available (${searchProbe.status})` });

    const masked = (text: string) => text.replace(/"(id|created_at|updated_at|slug)":"[^"]*"/g, '"$1":""');
    const postSlice = { method: 'POST' as const, paths: ['/v1/articles'], headers: auth, body: sample.postBody };
    const postBytes = await sameBytes(
      server,
      baseline,
      '/v1/articles',
      () => ({ method: 'POST', headers: auth, body: JSON.stringify({ ...sample.postBody, slug: `قياس-مقارنة-${Math.random().toString(36).slice(2)}` }) }),
      masked,
    );
    const post = await pair('POST /v1/articles with relations', postSlice, { sameBytes: `${postBytes} (ids, times, slugs aside)` });

    const rss = { khabar: peakRssMb(server.child.pid!), baseline: peakRssMb(baseline.child.pid!) };
    await baseline.stop();

    log('1 vs 2 workers');
    const cluster = await khabar(null, { WORKERS: '2' });
    const [one, two] = await compare(
      loader,
      [
        { server, slice: { method: 'GET', paths: sample.articlePaths } },
        { server: cluster, slice: { method: 'GET', paths: sample.articlePaths } },
      ],
      settings.connections,
    );
    rows.push({ name: 'get by id: 1 vs 2 workers', sides: ['1 worker', '2 workers'], a: one, b: two, sameBytes: '–' });
    await cluster.stop();
    await server.stop();
    loader.stop();

    log(`WAL over ${settings.walInserts} inserts`);
    const walMb = walCheck(file, settings.walInserts, sample.postBody);

    const ratio = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? null : x / y);
    // A slice that got errors or non-2xx answers measured something else (a 429 costs less than a write).
    const answered = (...stats: Array<Stats | null | undefined>) => stats.every((s) => s && s.non2xx === 0 && s.errors === 0);
    const check = (name: string, value: number | null, unit: string, target: string, ok: (v: number) => boolean, valid: boolean | null = true, note?: string): Check =>
      valid === false
        ? { name, value, unit, target, pass: null, note: 'not measured: errors or non-2xx answers' }
        : { name, value, unit, target, pass: value === null ? null : ok(value), ...(note ? { note } : {}) };
    const checks: Check[] = [
      check('get by id: req/s vs baseline', ratio(get?.[0].rps, get?.[1].rps), '×', '≥ 0.75', (v) => v >= 0.75, get && answered(...get)),
      check('get by id: p99 vs baseline', ratio(get?.[0].p99, get?.[1].p99), '×', '≤ 1.5', (v) => v <= 1.5, get && answered(...get)),
      check('list of 20: req/s vs baseline', ratio(list?.[0].rps, list?.[1].rps), '×', '≥ 0.85', (v) => v >= 0.85, list && answered(...list)),
      check('include=people,organisations: req/s vs two-query baseline', ratio(include?.[0].rps, include?.[1].rps), '×', '≥ 0.5', (v) => v >= 0.5, include && answered(...include)),
      check(`page ${deepPage} vs page 1: p50 latency`, deep!.p50 / page1.p50, '×', '≤ 1.5', (v) => v <= 1.5, answered(page1, deep)),
      check('search p99 vs get-by-id p99', ratio(search?.p99, get?.[0].p99), '×', '≤ 25', (v) => v <= 25, answered(search, get?.[0])),
      check('POST with relations: req/s vs raw insert', ratio(post?.[0].rps, post?.[1].rps), '×', '≥ 0.6', (v) => v >= 0.6, post && answered(...post)),
      check('peak RSS over baseline', rss.khabar !== null && rss.baseline !== null ? rss.khabar - rss.baseline : null, 'MB', '≤ +60 MB', (v) => v <= 60),
      check('peak RSS under load', rss.khabar, 'MB', '≤ 200 MB', (v) => v <= 200),
      check('cold start to first 200 (median)', median(coldStarts) / 1000, 's', '≤ 1.5 s', (v) => v <= 1.5),
      check(`WAL peak over ${settings.walInserts} inserts`, walMb, 'MB', '≤ 64 MB', (v) => v <= 64),
      check('seed:synthetic at this size', seedSeconds, 's', '< 120 s', (v) => v < 120, true, 'reused BENCH_DB'),
      check('2 workers vs 1 (reads)', ratio(two!.rps, one.rps), '×', 'reported', () => true),
    ];

    const scenarios = scenarioTable(rows);
    const targets = checkTable(checks);
    process.stdout.write(`\n${textTable(scenarios)}\n\n${textTable(targets)}\n`);
    if (reportPath) {
      const dbMb = statSync(file).size / 2 ** 20;
      writeFileSync(reportPath, markdown({ scenarios, targets, dbMb, baselineRss: rss.baseline, coldStarts }));
      log(`wrote ${reportPath}`);
    }
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function markdown(r: { scenarios: string[][]; targets: string[][]; dbMb: number; baselineRss: number | null; coldStarts: number[] }): string {
  const slice = 'duration' in settings.slice ? `${settings.slice.duration} s` : `${settings.slice.amount} requests`;
  return `# Benchmarks

Produced by \`npm run bench\` (${new Date().toISOString().slice(0, 10)}). khabar is the compiled production server
(\`${['node', ...serverFlags, 'dist/web/server.js'].join(' ')}\` as \`npm start\` runs it, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, rate limit off); the baseline is
\`bench/baseline.ts\`: \`node:http\` and better-sqlite3 prepared statements answering with the same bytes.

## Machine and versions

${machineLines().join('\n')}
- Data: ${Object.entries(size)
    .map(([k, n]) => `${n.toLocaleString('en')} ${k}`)
    .join(', ')} (\`seed:synthetic --seed 42\`), database file ${r.dbMb.toFixed(0)} MB
- Load: autocannon in its own process, ${settings.connections} connections (1 for the page-depth comparison), slices of ${slice},
  ${settings.rounds} interleaved rounds (A B A B …) after a warm-up of ${settings.warmup?.duration ?? 0} s per side, medians reported. Latencies are per response, in ms.
- Pinning: ${canPin ? 'khabar on core 0, the baseline on core 1, the load generator on the other core of whichever is under load; the 2-worker server and its load share both cores' : 'taskset not available: nothing pinned'}.
- Load average (1 min) at the start and the end of the run: ${loadAtStart.toFixed(1)}, ${loadavg()[0]!.toFixed(1)} (on ${cpus().length} cores: well above that, the figures measure contention more than khabar)
- Cold starts (ms): ${r.coldStarts.map((ms) => ms.toFixed(0)).join(', ')}; baseline peak RSS ${r.baselineRss?.toFixed(1) ?? '–'} MB.

## Scenarios

${markdownTable(r.scenarios)}

## Targets

${markdownTable(r.targets)}

"not available" marks a scenario whose endpoint does not exist yet in this build (it answered 4xx).
`;
}

await main();
