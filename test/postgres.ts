import pg from 'pg';
import tap, { type Test } from 'tap';
import { startPostgres } from '../bench/postgres-cluster.js';

// The cluster starter lives beside the benchmark, which starts one too; the tests import it from here.
export { startPostgres, startReplica } from '../bench/postgres-cluster.js';

/**
 * An administrator's connection to the cluster at `serverUrl` (closed at teardown), and `fresh`, which creates a
 * database on it, named after `prefix` and numbered, and resolves its name and URL: empty, or as `options` (what
 * follows the name in `create database`: a template, a locale) make it.
 */
export async function clusterAdmin(t: Test, serverUrl: string) {
  const admin = new pg.Client(serverUrl);
  await admin.connect();
  t.teardown(() => admin.end());
  let created = 0;
  async function fresh(prefix: string, options = ''): Promise<{ name: string; url: string }> {
    const name = `${prefix}_${++created}`;
    await admin.query(`create database ${name} ${options}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return { name, url: url.href };
  }
  return { admin, fresh };
}

let processCluster: ReturnType<typeof clusterAdmin> | undefined;

/**
 * The test process's own cluster, as `clusterAdmin` gives it, started on first use and stopped, with every database
 * on it, when the process's tests end (or by the watcher if the process dies): where `build` makes its databases
 * under TEST_ENGINE=postgres (test/helper.ts).
 */
export function clusterOfProcess(): ReturnType<typeof clusterAdmin> {
  processCluster ??= startPostgres(tap).then((url) => clusterAdmin(tap, url));
  return processCluster;
}

/** For a pool in a test: an idle connection failing is not expected there, so it fails the test (openPostgres's onIdleError). */
export const failOnIdleError = (t: Test) => (error: Error) => t.fail(`an idle pooled connection failed: ${error.message}`);
