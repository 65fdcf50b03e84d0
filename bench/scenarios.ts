/**
 * The scenarios khabar runs the same way on either engine (bench/run.ts on SQLite, bench/postgres-rows.ts on
 * PostgreSQL), against that engine's raw baseline: get by id, a list page and its include, the first page against a
 * deep one, search, readers with and without writers, and the like-for-like POST. Each gives its row of the
 * scenario table, its name prefixed by the engine's (none for SQLite).
 */
import { type Comparison, compare, type Loader, type Side } from './compare.js';
import type { Sample } from './data.js';
import { type MixedResult, mixed } from './mixed.js';
import type { ServerProcess } from './processes.js';
import { answered, type Check, check, coresLine, ratioOf, type ScenarioRow, type Stats } from './report.js';
import { includeSameBytes, request, sameBytes } from './requests.js';
import { type RowsOf, sameWrite } from './same-write.js';
import { auth, log, settings } from './settings.js';

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

/** Page 1 against the deepest page up to `settings.deepPage`, on one connection; the baseline checks the deep page's bytes. */
async function pageDepth(loader: Loader, server: ServerProcess, baseline: ServerProcess, prefix = ''): Promise<{ row: ScenarioRow; depth: Comparison; deepPage: number }> {
  log(`${prefix}deep page`);
  const total = (JSON.parse((await request(server, '/v1/articles?limit=1')).text) as { meta: { total: number } }).meta.total;
  const deepPage = Math.min(settings.deepPage, Math.floor(total / settings.pageSize));
  const deepPath = await pageAt(server, (deepPage - 1) * settings.pageSize);
  const depth = await compare(
    loader,
    [
      { server, slice: { method: 'GET', paths: [`/v1/articles?limit=${settings.pageSize}`] } },
      { server, slice: { method: 'GET', paths: [deepPath] } },
    ],
    1,
  );
  const row = {
    name: `${prefix}page 1 vs page ${deepPage} (1 connection)`,
    sides: ['page 1', `page ${deepPage}`] as [string, string],
    ...depth,
    sameBytes: await sameBytes(server, baseline, { path: deepPath }),
  };
  return { row, depth, deepPage };
}

const searchPaths = ['التعاون الأمني', 'الداخلية', 'تبادل الخبرات', 'مكافحة الإرهاب', 'الأحوال المدنية'].map((q) => `/v1/search?q=${encodeURIComponent(q)}`);

/** Searches for five phrases in turn; null figures when this build has no search (it answered 4xx). */
async function search(loader: Loader, server: ServerProcess, prefix = ''): Promise<{ row: ScenarioRow; search: Stats | null }> {
  const probe = await request(server, searchPaths[0]!);
  let found: Stats | null = null;
  if (probe.status < 400) {
    log(`${prefix}search`);
    ({ a: found } = await compare(loader, [{ server, slice: { method: 'GET', paths: searchPaths } }, null], settings.connections));
  }
  return { row: { name: `${prefix}search`, sides: ['khabar', null], a: found, b: null, ratios: [], sameBytes: '–', note: `not available (${probe.status})` }, search: found };
}

/** Readers at a fixed rate, without and with writers (bench/mixed.ts). */
async function mixedScenario(loader: Loader, server: ServerProcess, sample: Sample, prefix = ''): Promise<{ row: ScenarioRow; mixed: MixedResult }> {
  log(`${prefix}mixed: readers at ${settings.mixed.readRate}/s, with and without ${settings.mixed.writeRate} writes/s`);
  const result = await mixed(loader, server, sample);
  return {
    row: { name: `${prefix}mixed: readers without / with writes`, sides: ['no writes', 'writes'], a: result.quiet, b: result.busy, ratios: result.rpsRatios, sameBytes: '–' },
    mixed: result,
  };
}

/** The targets of these scenarios, which compare khabar with itself: the deep page's latency, the readers' p99 beside writes, search's p99. */
export function scenarioChecks(
  prefix: string,
  { depth, deepPage, mixed, search, get }: { depth: Comparison; deepPage: number; mixed: MixedResult; search: Stats | null; get: Stats | undefined },
): Check[] {
  return [
    check(`${prefix}page ${deepPage} vs page 1: p50 latency`, depth.b!.p50 / depth.a.p50, '×', '≤ 1.5', (v) => v <= 1.5, answered(depth.a, depth.b)),
    {
      ...check(`${prefix}mixed: reader p99 with writes vs without`, ratioOf(mixed.p99Ratios), '×', '≤ 2', (v) => v <= 2, answered(mixed.quiet, mixed.busy) && mixed.writes.failed === 0),
      ratios: mixed.p99Ratios,
    },
    check(`${prefix}search p99 vs get-by-id p99`, search && get ? search.p99 / get.p99 : null, '×', '≤ 25', (v) => v <= 25, answered(search, get)),
  ];
}

/** What `againstBaseline` needs: the two servers on one database, the sample of its data, and how to read a write's rows there. */
interface Run {
  loader: Loader;
  server: ServerProcess;
  baseline: ServerProcess;
  sample: Sample;
  rowsOf: RowsOf;
  /** Before each row's name: the engine's ('PostgreSQL: '), or none. */
  prefix?: string;
  /** The database server's process (PostgreSQL's postmaster), whose CPU the POST's comparison reads beside the servers'; none for SQLite, which runs in theirs. */
  database?: number;
}

/** Every scenario against the baseline, in order: its rows and the figures the targets judge. */
export async function againstBaseline({ loader, server, baseline, sample, rowsOf, prefix = '', database }: Run) {
  const rows: ScenarioRow[] = [];
  /** khabar against the baseline; the baseline may be asked another path (`baselineSlice`), and the database server's CPU read too (`database`). */
  const pair = async (scenario: string, slice: Side['slice'], options: { sameBytes?: string; baselineSlice?: Side['slice']; database?: number } = {}) => {
    const name = `${prefix}${scenario}`;
    const probe = await request(server, slice.paths[0]!, slice.method === 'POST' ? { method: 'POST', headers: auth, body: JSON.stringify({ ...slice.body, slug: `قياس-تجربة-${rows.length}` }) } : {});
    if (probe.status >= 400) {
      rows.push({ name, sides: ['khabar', 'baseline'], a: null, b: null, ratios: [], sameBytes: '–', note: `not available (${probe.status})` });
      return null;
    }
    log(name);
    const comparison = await compare(
      loader,
      [
        { server, slice },
        { server: baseline, slice: options.baselineSlice ?? slice },
      ],
      settings.connections,
      options.database ?? null,
    );
    const bytes = options.sameBytes ?? (await sameBytes(server, baseline, { path: slice.paths[0]! }));
    rows.push({ name, sides: ['khabar', 'baseline'], ...comparison, sameBytes: bytes });
    return comparison;
  };

  const get = await pair('get by id', { method: 'GET', paths: sample.articlePaths });
  const list = await pair('list of 20', { method: 'GET', paths: [`/v1/articles?limit=${settings.pageSize}`] });
  const includePath = `/v1/articles?limit=${settings.pageSize}&include=people,organisations`;
  const include = await pair('list of 20, include=people,organisations', { method: 'GET', paths: [includePath] }, { sameBytes: await includeSameBytes(server, baseline, includePath) });

  const { row: depthRow, depth, deepPage } = await pageDepth(loader, server, baseline, prefix);
  const { row: searchRow, search: searched } = await search(loader, server, prefix);
  const { row: mixedRow, mixed: mixedLoad } = await mixedScenario(loader, server, sample, prefix);
  rows.push(depthRow, searchRow, mixedRow);

  const postSlice = { method: 'POST' as const, paths: ['/v1/articles'], headers: auth, body: sample.postBody };
  const rawSlice = { ...postSlice, paths: ['/v1/articles?raw'] };
  const likeForLike = await sameWrite([server, baseline], [rowsOf, rowsOf], ['/v1/articles', '/v1/articles'], sample.postBody);
  const postName = 'POST /v1/articles with relations';
  const post = await pair(postName, postSlice, { sameBytes: `${likeForLike.bytes} (ids, times, slugs aside); same rows: ${likeForLike.rows}`, database });
  const rawAnswer = await sameWrite([server, baseline], [rowsOf, rowsOf], ['/v1/articles', '/v1/articles?raw'], sample.postBody);
  const rawPost = await pair('POST /v1/articles vs raw insert (information)', postSlice, { baselineSlice: rawSlice, sameBytes: `${rawAnswer.bytes} (ids, times, slugs aside)` });
  // Where a POST's time goes: khabar's CPU, the database server's, or neither (waiting).
  const postCores = post ? [coresLine(`${prefix}${postName}`, ['khabar', 'baseline'], post.cpu)] : [];
  return { rows, get, list, include, depth, deepPage, search: searched, mixed: mixedLoad, post, rawPost, postCores };
}
