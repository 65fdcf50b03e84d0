/**
 * `npm run bench`: khabar's compiled production server against a raw node:http + better-sqlite3 baseline, in
 * the same run, on a generated data set. Load comes from autocannon in its own process; the two servers take
 * turns (A B A B …) and medians are reported with the spread of the per-round ratios; each server and the load
 * generator are pinned to separate cores where taskset allows, the servers trading cores between rounds.
 * Prints a table and writes docs/benchmarks.md. BENCH_QUICK=1 runs a tiny version (the smoke test in npm
 * test). `npm run bench -- --against <git ref>` compares this build with another instead (bench/against.ts);
 * `npm run bench -- --soak <minutes>` runs the mixed load that long and samples memory and the WAL (bench/soak.ts).
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { openDatabase } from '../src/core/db/database.js';
import { writeOnSqlite } from '../src/core/db/sqlite-write.js';
import { createRepositories } from '../src/core/resources/index.js';
import { beforeAfter } from './against.js';
import { endingWhatItStarts, temporaryFolder } from './cleanup.js';
import { compare, Loader } from './compare.js';
import { prepareDatabase, sampleData } from './data.js';
import { derivedCosts, derivedCostTable } from './derived-cost.js';
import { freePort } from './free-port.js';
import { method } from './method.js';
import { sendLagLine, writeTimeTable } from './mixed.js';
import { postgresRows } from './postgres-rows.js';
import { canPin, peakRssMb, type ServerProcess, startKhabar, startServer } from './processes.js';
import {
  answered,
  type Check,
  carriedSections,
  check,
  checkTable,
  coresLine,
  machineLines,
  markdownTable,
  ratioCheck,
  reported,
  type Stats,
  scenarioTable,
  textTable,
  unsteadyLine,
} from './report.js';
import { sqliteRowsOf } from './same-write.js';
import { againstBaseline, scenarioChecks } from './scenarios.js';
import { type DataSize, size as defaultSize, log, median, nodeScript, quick, root, settings, sizeFor } from './settings.js';
import { soak } from './soak.js';
import { type Storage, storage, storageTable } from './storage.js';

const reportPath = process.env.BENCH_REPORT ?? (quick ? '' : join(root, 'docs', 'benchmarks.md'));
const khabarStart = nodeScript(root, 'start');
/** The machine's 1-minute load average when the run began: on a shared machine, figures taken under load are provisional. */
const loadAtStart = loadavg()[0]!;

/** The baselines are TypeScript; they run as plain JavaScript so that no loader sits in their processes. The SQLite baseline's path (the PostgreSQL one's is beside it). */
function compileBaseline(): string {
  const out = join(root, 'dist', 'bench');
  mkdirSync(out, { recursive: true });
  for (const name of ['baseline', 'baseline-postgres', 'baseline-shape', 'article-rows', 'article-writer', 'article-writer-postgres']) {
    const source = readFileSync(join(root, 'bench', `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    // It imports khabar's core from the sources; next to the build, the compiled core is one folder up.
    writeFileSync(join(out, `${name}.js`), outputText.replaceAll("from '../src/", "from '../"));
  }
  return join(out, 'baseline.js');
}

/** The WAL's peak over `inserts` articles written one after another on a connection opened as the server opens it. */
async function walCheck(file: string, inserts: number, body: Record<string, unknown>): Promise<number> {
  const database = openDatabase(`file:${file}`, { serving: true });
  const { articles } = createRepositories();
  let largest = 0;
  for (let i = 0; i < inserts; i++) {
    await writeOnSqlite(database.sqlite, (tx) => articles.create(tx, { ...(body as Parameters<typeof articles.create>[1]), slug: `قياس-السجل-${i}` }));
    if (i % 1000 === 999 || i === inserts - 1) largest = Math.max(largest, statSync(`${file}-wal`).size);
  }
  database.close();
  return largest / 2 ** 20;
}

/** One size's figures on the scale curve. */
interface CurvePoint {
  size: DataSize;
  get: Stats | null;
  list: Stats | null;
  deep: Stats | null;
  search: Stats | null;
  post: Stats | null;
  dbMb: number;
  stored: Storage;
}

/** The engines a run measures khabar on: SQLite always, PostgreSQL with `--engines sqlite,postgres`. */
type Engines = ReadonlySet<'sqlite' | 'postgres'>;

/** One run at one data set size: its report as markdown, and its point on the scale curve. */
async function main(size: DataSize, engines: Engines): Promise<{ markdown: string; point: CurvePoint }> {
  const folder = temporaryFolder('khabar-bench-');
  const dir = folder.path;
  const started: ServerProcess[] = [];
  const track = (server: ServerProcess) => {
    started.push(server);
    return server;
  };
  try {
    log(`data set ${JSON.stringify(size)}${quick ? ' (quick)' : ''}`);
    const { file, seedSeconds } = await prepareDatabase(dir, root, nodeScript(root, 'seed:synthetic').script, size);
    const baselineScript = compileBaseline();
    const sample = sampleData(file);
    const readyPath = sample.articlePaths[0]!;
    const khabar = async (core: number | null, env: Record<string, string> = {}) => track(await startKhabar({ name: 'khabar', databaseUrl: `file:${file}`, core, readyPath, env }));

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
    const { rows, get, list, include, depth, deepPage, search, mixed: mixedLoad, post, rawPost, postCores } = await againstBaseline({ loader, server, baseline, sample, rowsOf: sqliteRowsOf(file) });
    const writeTimes = writeTimeTable(mixedLoad.writes);

    const rss = { khabar: peakRssMb(server.child.pid!), baseline: peakRssMb(baseline.child.pid!) };
    await baseline.stop();

    log('1 vs 2 workers');
    const cluster = await khabar(null, { WORKERS: '2' });
    const workers = await compare(
      loader,
      [
        { server, slice: { method: 'GET', paths: sample.articlePaths } },
        { server: cluster, slice: { method: 'GET', paths: sample.articlePaths } },
      ],
      settings.connections,
    );
    rows.push({ name: 'get by id: 1 vs 2 workers', sides: ['1 worker', '2 workers'], ...workers, sameBytes: '–' });
    await cluster.stop();
    await server.stop();
    const onPostgres = engines.has('postgres') ? await postgresRows({ size, sample, loader, baselineScript: join(dirname(baselineScript), 'baseline-postgres.js'), track }) : null;
    rows.push(...(onPostgres?.rows ?? []));
    await loader.stop();

    log(`WAL over ${settings.walInserts} inserts`);
    const walMb = await walCheck(file, settings.walInserts, sample.postBody);
    log(`derived structures, ${settings.derivedCostArticles} articles in process`);
    const costs = derivedCostTable(await derivedCosts(file, settings.derivedCostArticles));
    log('storage (dbstat)');
    const measured = storage(file);
    const stored = storageTable(measured);

    const ratio = (x: number | undefined, y: number | undefined) => (x === undefined || y === undefined ? null : x / y);
    const checks: Check[] = [
      ratioCheck('get by id: req/s vs baseline', get, '≥ 0.75', (v) => v >= 0.75),
      check('get by id: p99 vs baseline', ratio(get?.a.p99, get?.b?.p99), '×', '≤ 1.5', (v) => v <= 1.5, get && answered(get.a, get.b)),
      ratioCheck('list of 20: req/s vs baseline', list, '≥ 0.85', (v) => v >= 0.85),
      ratioCheck('include=people,organisations: req/s vs two-query baseline', include, '≥ 0.5', (v) => v >= 0.5),
      ...scenarioChecks('', { depth, deepPage, mixed: mixedLoad, search, get: get?.a }),
      ratioCheck('POST with relations: req/s vs like-for-like baseline', post, '≥ 0.75', (v) => v >= 0.75),
      reported('POST with relations: req/s vs raw insert', rawPost),
      check('peak RSS over baseline', rss.khabar !== null && rss.baseline !== null ? rss.khabar - rss.baseline : null, 'MB', '≤ +60 MB', (v) => v <= 60),
      check('peak RSS under load', rss.khabar, 'MB', '≤ 180 MB', (v) => v <= 180),
      check('cold start to first 200 (median)', median(coldStarts) / 1000, 's', '≤ 1.5 s', (v) => v <= 1.5),
      check(`WAL peak over ${settings.walInserts} inserts`, walMb, 'MB', '≤ 64 MB', (v) => v <= 64),
      check('seed:synthetic at this size', seedSeconds, 's', '< 120 s', (v) => v < 120, true, 'reused BENCH_DB'),
      reported(
        '2 workers vs 1 (reads)',
        workers,
        workers.ratios.map((r) => 1 / r),
      ),
      ...(onPostgres?.checks ?? []),
    ];

    const scenarios = scenarioTable(rows);
    const targets = checkTable(checks);
    const unsteady = [unsteadyLine(rows), sendLagLine(mixedLoad), ...postCores, coresLine('get by id: 1 vs 2 workers', ['1 worker', '2 workers'], workers.cpu), ...(onPostgres?.cores ?? [])].join(' ');
    const postgresWriteTimes = onPostgres && writeTimeTable(onPostgres.writes, 'postgres');
    process.stdout.write(
      `\n${textTable(scenarios)}\n${unsteady}\n\n${textTable(targets)}\n\n${textTable(writeTimes)}\n\n${postgresWriteTimes ? `${textTable(postgresWriteTimes)}\n\n` : ''}${textTable(costs)}\n\n${textTable(stored)}\n`,
    );
    const dbMb = statSync(file).size / 2 ** 20;
    return {
      markdown: markdown({ size, scenarios, unsteady, targets, writeTimes, costs, stored, dbMb, baselineRss: rss.baseline, coldStarts, postgresWriteTimes }),
      point: { size, get: get?.a ?? null, list: list?.a ?? null, deep: depth.b, search, post: post?.a ?? null, dbMb, stored: measured },
    };
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    await folder.remove();
  }
}

interface Report {
  size: DataSize;
  scenarios: string[][];
  unsteady: string;
  targets: string[][];
  writeTimes: string[][];
  costs: string[][];
  stored: string[][];
  dbMb: number;
  baselineRss: number | null;
  coldStarts: number[];
  /** Where a write's time went on PostgreSQL, when the run measured it too. */
  postgresWriteTimes: string[][] | null;
}

const postgresLine = `- PostgreSQL rows (\`--engines sqlite,postgres\`): a throwaway cluster of this machine's PostgreSQL on 127.0.0.1, started as the tests start theirs (\`fsync\`, \`synchronous_commit\` and \`full_page_writes\` off), the same data set loaded by \`seed:synthetic --seed 42\`; its baseline is \`bench/baseline-postgres.ts\` (\`node:http\` and node-postgres named prepared statements on a pool of 10, with the like-for-like POST); khabar on one core, the baseline on the other; 2 workers are \`WORKERS=2\`, 2 nodes two servers on one database, the load's connections dealt to them in turn.`;

function markdown(r: Report): string {
  const slice = 'duration' in settings.slice ? `${settings.slice.duration} s` : `${settings.slice.amount} requests`;
  return `# Benchmarks

Produced by \`npm run bench\` (${new Date().toISOString().slice(0, 10)}). khabar is the compiled production server
(\`${['node', ...khabarStart.flags, khabarStart.script].join(' ')}\` as \`npm start\` runs it, \`NODE_ENV=production\`, \`LOG_LEVEL=warn\`, rate limit off); the baseline is
\`bench/baseline.ts\`: \`node:http\` and better-sqlite3 prepared statements answering with the same bytes. Its
\`POST /v1/articles\` writes every row khabar writes for the article (links, search and substring-index rows,
mentions), computed with khabar's own core functions, in one transaction (\`bench/article-writer.ts\`); the
raw insert of the article and its links alone is kept as information. How to read this report:
[the benchmark's method](#how-the-benchmark-works).

## Machine and versions

${machineLines().join('\n')}
- Data: ${Object.entries(r.size)
    .map(([k, n]) => `${n.toLocaleString('en')} ${k}`)
    .join(', ')} (\`seed:synthetic --seed 42\`), database file ${r.dbMb.toFixed(0)} MB at the end of the run
- Load: autocannon in its own process, ${settings.connections} connections (1 for the page-depth comparison; the mixed scenario's readers paced, each latency from the moment the request was sent), slices of ${slice},
  ${settings.rounds} interleaved rounds (A B A B …) after a warm-up of ${settings.warmup?.duration ?? 0} s per side, medians reported. Latencies are per response, in ms.
- Pinning: ${canPin ? 'khabar on core 0, the baseline on core 1, the two swapping cores in every second round; the load generator on the other core of whichever is under load; the 2-worker server and its load share both cores' : 'taskset not available: nothing pinned'}.
- Load average (1 min) at the start and the end of the run: ${loadAtStart.toFixed(1)}, ${loadavg()[0]!.toFixed(1)} (on ${cpus().length} cores: well above that, the figures measure contention more than khabar)
- Cold starts (ms): ${r.coldStarts.map((ms) => ms.toFixed(0)).join(', ')}; baseline peak RSS ${r.baselineRss?.toFixed(1) ?? '–'} MB.${r.postgresWriteTimes ? `\n${postgresLine}` : ''}

## Scenarios

${markdownTable(r.scenarios)}

The ratio is the median of the per-round ratios of requests per second; min–max is their spread. ${r.unsteady}

## Targets

${markdownTable(r.targets)}

"not available" marks a scenario whose endpoint does not exist yet in this build (it answered 4xx).

## Where a write's time goes

The writes of the mixed scenario (${settings.mixed.writeRate} a second, POST and PATCH in turn, beside readers at ${settings.mixed.readRate} a second), from
outside and from each answer's \`Server-Timing\` header:

${markdownTable(r.writeTimes)}
${r.postgresWriteTimes ? `\nThe same on PostgreSQL (its mixed scenario, the same rates):\n\n${markdownTable(r.postgresWriteTimes)}\n` : ''}
## What an article's derived structures cost

In process, over ${settings.derivedCostArticles.toLocaleString('en')} articles of the data set written again with the baseline's like-for-like writer, one transaction each (\`bench/derived-cost.ts\`):

${markdownTable(r.costs)}

## Storage

Bytes per article of each table and index at the end of the run, from SQLite's \`dbstat\` (FTS5 indices are their \`_data\`, \`_idx\`, \`_docsize\` and \`_config\` tables):

${markdownTable(r.stored)}
${method}`;
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '–' : value.toFixed(digits));

/** The scale curve: each size's khabar figures (req/s and latencies in ms), the database and its articles table's depth. */
function curveTable(points: CurvePoint[]): string[][] {
  return [
    ['articles', 'get by id req/s', 'get by id p99', 'list of 20 req/s', 'deep page p50', 'search p99', 'POST req/s', 'database MB', 'bytes per article', '× the text', 'articles b-tree depth'],
    ...points.map(({ size, get, list, deep, search, post, dbMb, stored }) => {
      const total = stored.objects.reduce((sum, object) => sum + object.bytes, 0);
      return [
        size.articles.toLocaleString('en'),
        fixed(get?.rps),
        fixed(get?.p99, 2),
        fixed(list?.rps),
        fixed(deep?.p50, 2),
        fixed(search?.p99, 2),
        fixed(post?.rps),
        fixed(dbMb),
        fixed(total / stored.articles),
        fixed(total / stored.textBytes, 2),
        String(stored.depth),
      ];
    }),
  ];
}

function curveMarkdown(points: CurvePoint[]): string {
  return `
## Scale curve

\`npm run bench -- --articles ${points.map((point) => point.size.articles).join(',')}\`: each size is a run of its own (generated with
the default set's proportions: a person and a meeting for every five articles, an organisation for every fifty);
the report above is the run at ${reportedSize(points).articles.toLocaleString('en')} articles. khabar's figures only (its ratios to the
baseline are in each run's own report); latencies in ms. What grows faster than the b-tree's depth, and why:
[performance.md](performance.md#scale).

${markdownTable(curveTable(points))}
`;
}

/** The run whose full report is written: the default size when it was run, else the largest. */
const reportedSize = (points: CurvePoint[]) => (points.find((point) => point.size.articles === defaultSize.articles) ?? points.at(-1)!).size;

async function curve(sizes: DataSize[], engines: Engines) {
  const runs = [];
  for (const size of sizes) runs.push(await main(size, engines));
  const points = runs.map((run) => run.point);
  if (points.length > 1) process.stdout.write(`\n${textTable(curveTable(points))}\n`);
  if (reportPath) {
    const reported = runs.find((run) => run.point.size === reportedSize(points))!;
    const previous = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : '';
    writeFileSync(reportPath, reported.markdown + carriedSections(previous, points.length > 1) + (points.length > 1 ? curveMarkdown(points) : ''));
    log(`wrote ${reportPath}`);
  }
}

const { values } = parseArgs({ options: { against: { type: 'string' }, articles: { type: 'string' }, soak: { type: 'string' }, engines: { type: 'string' } } });
const askedEngines = (values.engines ?? 'sqlite').split(',');
const engines: Engines = new Set(askedEngines.filter((name) => name === 'sqlite' || name === 'postgres'));
if (engines.size !== askedEngines.length || !engines.has('sqlite')) throw new Error(`--engines takes sqlite or sqlite,postgres, not ${values.engines}`);
// The PostgreSQL rows load the data set seed:synthetic generates, which a copied BENCH_DB need not be.
if (engines.has('postgres') && process.env.BENCH_DB) throw new Error('--engines sqlite,postgres generates its data set on both engines: unset BENCH_DB');
if (values.soak !== undefined && !(Number(values.soak) > 0)) throw new Error(`--soak takes a number of minutes, not ${values.soak}`);
const sizes = values.articles === undefined ? [defaultSize] : values.articles.split(',').map((n) => sizeFor(Number(n)));
if (sizes.some((s) => !Number.isInteger(s.articles) || s.articles < 1)) throw new Error(`--articles takes whole numbers, comma-separated: ${values.articles}`);
await endingWhatItStarts(() => (values.against ? beforeAfter(values.against) : values.soak ? soak(Number(values.soak)) : curve(sizes, engines)));
