import { type Comparison, compare, type Loader, type Side } from './compare.js';
import { runSyntheticSeed, type Sample } from './data.js';
import { freePort } from './free-port.js';
import { startPostgres } from './postgres-cluster.js';
import { type ServerProcess, startKhabar, startServer } from './processes.js';
import { type Check, ratioOf, type ScenarioRow } from './report.js';
import { includeSameBytes, sameBytes } from './requests.js';
import { auth, type DataSize, log, nodeScript, root, settings } from './settings.js';

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

export async function postgresRows({ size, sample, loader, baselineScript, track }: PostgresRun): Promise<{ rows: ScenarioRow[]; checks: Check[] }> {
  const cleanups: Array<() => unknown> = [];
  try {
    log('PostgreSQL: a throwaway cluster');
    const url = await startPostgres({ teardown: (cleanup) => cleanups.push(cleanup) });
    log('PostgreSQL: seed:synthetic');
    const loadSeconds = runSyntheticSeed(root, nodeScript(root, 'seed:synthetic').script, size, url);
    const readyPath = sample.articlePaths[0]!;
    const khabar = async (core: number | null, env: Record<string, string> = {}) => track(await startKhabar({ name: 'khabar on PostgreSQL', databaseUrl: url, core, readyPath, env }));
    const server = await khabar(0);
    const baselinePort = await freePort();
    const baseline = track(await startServer({ name: 'PostgreSQL baseline', args: [baselineScript, url, String(baselinePort)], port: baselinePort, core: 1, readyPath }));

    const rows: ScenarioRow[] = [];
    const measured = async (name: string, sides: [Side, Side | null], labels: ScenarioRow['sides'], same: string) => {
      log(`${prefix}${name}`);
      const comparison = await compare(loader, sides, settings.connections);
      rows.push({ name: `${prefix}${name}`, sides: labels, ...comparison, sameBytes: same });
      return comparison;
    };
    const pair = async (name: string, path: string, same?: string) =>
      measured(
        name,
        [
          { server, slice: { method: 'GET', paths: [path] } },
          { server: baseline, slice: { method: 'GET', paths: [path] } },
        ],
        ['khabar', 'baseline'],
        same ?? (await sameBytes(server, baseline, { path })),
      );

    const get = await measured(
      'get by id',
      [
        { server, slice: { method: 'GET', paths: sample.articlePaths } },
        { server: baseline, slice: { method: 'GET', paths: sample.articlePaths } },
      ],
      ['khabar', 'baseline'],
      await sameBytes(server, baseline, { path: readyPath }),
    );
    const list = await pair('list of 20', `/v1/articles?limit=${settings.pageSize}`);
    const includePath = `/v1/articles?limit=${settings.pageSize}&include=people,organisations`;
    const include = await pair('list of 20, include=people,organisations', includePath, await includeSameBytes(server, baseline, includePath));
    await baseline.stop();
    const searchPaths = ['التعاون الأمني', 'الداخلية', 'مكافحة الإرهاب'].map((q) => `/v1/search?q=${encodeURIComponent(q)}`);
    await measured('search', [{ server, slice: { method: 'GET', paths: searchPaths } }, null], ['khabar', null], '–');
    await measured('POST /v1/articles with relations', [{ server, slice: { method: 'POST', paths: ['/v1/articles'], headers: auth, body: sample.postBody } }, null], ['khabar', null], '–');

    const twoNodes = await khabar(null, { WORKERS: '2' });
    const nodes = await measured(
      'get by id, 1 vs 2 nodes',
      [
        { server, slice: { method: 'GET', paths: sample.articlePaths } },
        { server: twoNodes, slice: { method: 'GET', paths: sample.articlePaths } },
      ],
      ['1 node', '2 nodes'],
      '–',
    );
    await twoNodes.stop();
    await server.stop();

    const reported = (name: string, comparison: Comparison, ratios = comparison.ratios): Check => ({
      name: `${prefix}${name}`,
      value: ratioOf(ratios),
      unit: '×',
      target: 'reported',
      pass: true,
      ratios,
    });
    const checks: Check[] = [
      reported('get by id: req/s vs PostgreSQL baseline', get),
      reported('list of 20: req/s vs PostgreSQL baseline', list),
      reported('include=people,organisations: req/s vs PostgreSQL baseline', include),
      reported(
        '2 nodes vs 1 (reads)',
        nodes,
        nodes.ratios.map((r) => 1 / r),
      ),
      { name: `${prefix}seed:synthetic at this size`, value: loadSeconds, unit: 's', target: 'reported', pass: true },
    ];
    return { rows, checks };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
