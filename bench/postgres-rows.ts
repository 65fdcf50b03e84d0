import { atEnd } from './cleanup.js';
import { type Comparison, compare, type Loader, type Target } from './compare.js';
import { runSyntheticSeed, type Sample } from './data.js';
import { freePort } from './free-port.js';
import { postmasterPid, startPostgres } from './postgres-cluster.js';
import { type ServerProcess, startKhabar, startServer } from './processes.js';
import { type Check, coresLine, reported, type ScenarioRow } from './report.js';
import { postgresRowsOf } from './same-write.js';
import { againstBaseline, scenarioChecks } from './scenarios.js';
import { type DataSize, log, nodeScript, root, settings } from './settings.js';

export interface PostgresRun {
  size: DataSize;
  sample: Sample;
  loader: Loader;
  /** The compiled PostgreSQL baseline. */
  baselineScript: string;
  /** Hands a started server to the run, which stops it at its end whatever happens. */
  track: (server: ServerProcess) => ServerProcess;
}

const prefix = 'PostgreSQL: ';

/**
 * khabar on PostgreSQL: every scenario SQLite's rows run, against the PostgreSQL baseline on the same data set, then
 * one node against two workers (`WORKERS=2`) and against two nodes (two server processes, the load shared by both).
 */
export async function postgresRows({ size, sample, loader, baselineScript, track }: PostgresRun) {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    log('PostgreSQL: a throwaway cluster');
    const url = await startPostgres({ teardown: (cleanup) => cleanups.push(atEnd(cleanup)) });
    log('PostgreSQL: seed:synthetic');
    const loadSeconds = await runSyntheticSeed(root, nodeScript(root, 'seed:synthetic').script, size, url);
    const readyPath = sample.articlePaths[0]!;
    const khabar = async (name: string, core: number | null, env: Record<string, string> = {}) => track(await startKhabar({ name, databaseUrl: url, core, readyPath, env }));
    const server = await khabar('khabar on PostgreSQL', 0);
    const baselinePort = await freePort();
    const baseline = track(await startServer({ name: 'PostgreSQL baseline', args: [baselineScript, url, String(baselinePort)], port: baselinePort, core: 1, readyPath }));

    const run = await againstBaseline({ loader, server, baseline, sample, rowsOf: postgresRowsOf(url), prefix, database: await postmasterPid(url) });
    await baseline.stop();

    /** One node against more processes on the same database, get by id. */
    const scaled = async (scenario: string, sides: [string, string], more: Target) => {
      log(`${prefix}${scenario}`);
      const slice = { method: 'GET' as const, paths: sample.articlePaths };
      const comparison = await compare(
        loader,
        [
          { server, slice },
          { server: more, slice },
        ],
        settings.connections,
      );
      const row: ScenarioRow = { name: `${prefix}${scenario}`, sides, ...comparison, sameBytes: '–' };
      return { comparison, row, cores: coresLine(row.name, sides, comparison.cpu) };
    };
    const cluster = await khabar('khabar on PostgreSQL, 2 workers', null, { WORKERS: '2' });
    const workers = await scaled('get by id: 1 vs 2 workers', ['1 worker', '2 workers'], cluster);
    await cluster.stop();
    const nodes = [await khabar('khabar on PostgreSQL, node 1', null), await khabar('khabar on PostgreSQL, node 2', null)];
    const twoNodes = await scaled('get by id: 1 vs 2 nodes', ['1 node', '2 nodes'], nodes);
    await Promise.all(nodes.map((node) => node.stop()));
    await server.stop();

    const inverse = (comparison: Comparison) => comparison.ratios.map((r) => 1 / r);
    const checks: Check[] = [
      reported(`${prefix}get by id: req/s vs PostgreSQL baseline`, run.get),
      reported(`${prefix}list of 20: req/s vs PostgreSQL baseline`, run.list),
      reported(`${prefix}include=people,organisations: req/s vs PostgreSQL baseline`, run.include),
      ...scenarioChecks(prefix, { ...run, get: run.get?.a }),
      reported(`${prefix}POST with relations: req/s vs like-for-like PostgreSQL baseline`, run.post),
      reported(`${prefix}POST with relations: req/s vs raw insert`, run.rawPost),
      reported(`${prefix}2 workers vs 1 (reads)`, workers.comparison, inverse(workers.comparison)),
      reported(`${prefix}2 nodes vs 1 (reads)`, twoNodes.comparison, inverse(twoNodes.comparison)),
      { name: `${prefix}seed:synthetic at this size`, value: loadSeconds, unit: 's', target: 'reported', pass: true },
    ];
    return { rows: [...run.rows, workers.row, twoNodes.row], checks, writes: run.mixed.writes, cores: [...run.postCores, workers.cores, twoNodes.cores] };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
