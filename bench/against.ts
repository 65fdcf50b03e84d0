/**
 * `npm run bench -- --against <git ref>`: this build against another build of khabar (before and after a
 * change) instead of against the baseline. The ref is checked out in a temporary git worktree and built there
 * with this checkout's node_modules. The ref's own seed:synthetic makes the data set (the ref is taken to be
 * the older build: the newer one migrates its copy forward at start), and each server gets its own copy. Get
 * by id, list of 20 and POST run interleaved, the servers trading cores between rounds; the ratios are this
 * build's requests per second over the ref's, with their per-round spread. Prints the table only.
 */
import { copyFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { atEnd, temporaryFolder } from './cleanup.js';
import { compare, Loader, type Side } from './compare.js';
import { flushToDisk, prepareDatabase, sampleData } from './data.js';
import { freePort } from './free-port.js';
import { type ServerProcess, startServer } from './processes.js';
import { type ScenarioRow, scenarioTable, textTable, unsteadyLine } from './report.js';
import { sameBytes } from './requests.js';
import { sameWrite, sqliteRowsOf } from './same-write.js';
import { auth, khabarEnv, log, nodeScript, root, settings, size } from './settings.js';
import { runToEnd } from './step.js';

/** Starts the build checked out at `checkout` on its own copy of the data set, as its `npm start` would. */
async function khabarAt(name: string, checkout: string, file: string, core: number, readyPath: string): Promise<ServerProcess> {
  const { flags, script } = nodeScript(checkout, 'start');
  const port = await freePort();
  return startServer({ name, args: [...flags, join(checkout, script)], env: { ...khabarEnv, DATABASE_URL: `file:${file}`, PORT: String(port) }, port, core, readyPath });
}

export async function beforeAfter(ref: string) {
  const folder = temporaryFolder('khabar-against-');
  const dir = folder.path;
  const tree = join(dir, 'ref');
  const started: ServerProcess[] = [];
  let loader: Loader | null = null;
  await runToEnd('git', ['worktree', 'add', '--detach', tree, ref], { cwd: root });
  const removeTree = atEnd(() => runToEnd('git', ['worktree', 'remove', '--force', tree], { cwd: root }));
  try {
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
    log(`building ${ref}`);
    await runToEnd('npm', ['run', 'build'], { cwd: tree });
    log(`data set ${JSON.stringify(size)}, made by ${ref}`);
    const { file: refFile } = await prepareDatabase(dir, tree, nodeScript(tree, 'seed:synthetic').script);
    const file = join(dir, 'this.db');
    copyFileSync(refFile, file);
    flushToDisk(file);
    const sample = sampleData(refFile);
    const readyPath = sample.articlePaths[0]!;
    const current = await khabarAt('this build', root, file, 0, readyPath);
    started.push(current);
    const before = await khabarAt(ref, tree, refFile, 1, readyPath);
    started.push(before);
    const load = new Loader();
    loader = load;
    const rows: ScenarioRow[] = [];

    const pair = async (name: string, slice: Side['slice'], same: () => Promise<string>) => {
      log(name);
      const comparison = await compare(
        load,
        [
          { server: current, slice },
          { server: before, slice },
        ],
        settings.connections,
      );
      rows.push({ name, sides: ['this build', ref], ...comparison, sameBytes: await same() });
    };
    await pair('get by id', { method: 'GET', paths: sample.articlePaths }, () => sameBytes(current, before, { path: readyPath }));
    const listPath = `/v1/articles?limit=${settings.pageSize}`;
    await pair('list of 20', { method: 'GET', paths: [listPath] }, () => sameBytes(current, before, { path: listPath }));
    await pair('POST /v1/articles with relations', { method: 'POST', paths: ['/v1/articles'], headers: auth, body: sample.postBody }, async () => {
      const write = await sameWrite([current, before], [sqliteRowsOf(file), sqliteRowsOf(refFile)], ['/v1/articles', '/v1/articles'], sample.postBody);
      return `${write.bytes} (ids, times, slugs aside); same rows: ${write.rows}`;
    });
    process.stdout.write(`\n${textTable(scenarioTable(rows))}\n${unsteadyLine(rows)}\n`);
  } finally {
    await Promise.all([loader?.stop(), ...started.map((server) => server.stop())]);
    await removeTree();
    await folder.remove();
  }
}
