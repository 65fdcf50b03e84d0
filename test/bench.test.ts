import { spawnSync } from 'node:child_process';
import t from 'tap';

// The benchmark itself is not part of npm test; this quick run on a tiny data set keeps it working, on both engines.
// It starts several servers and a PostgreSQL cluster, so it gets more than the default 30 s on a busy machine.
t.setTimeout(420_000);

// Outside coverage: the bench loads the sources through tsx, and tap would count those copies' functions a
// second time (as never called) next to the ones the other tests cover.
const notCovered = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };

/** A line of SQLite's rows holding `pattern`: not one of PostgreSQL's, which repeat SQLite's names after their prefix. */
const sqliteLine = (pattern: string | RegExp) => new RegExp(`^(?!PostgreSQL: ).*${typeof pattern === 'string' ? pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : pattern.source}`, 'm');

t.test('npm run bench in quick mode produces the table with every scenario and target', async (t) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', new URL('../bench/run.ts', import.meta.url).pathname, '--engines', 'sqlite,postgres'], {
    env: { ...notCovered, BENCH_QUICK: '1', BENCH_REPORT: '' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  t.equal(run.status, 0, run.stderr);
  const scenarios = ['get by id', 'list of 20', 'include=people,organisations', 'page 1 vs page', 'search', 'mixed: readers', 'POST /v1/articles with relations', '1 vs 2 workers'];
  for (const scenario of scenarios) t.match(run.stdout, sqliteLine(scenario), scenario);
  const targets = [
    'req/s vs baseline',
    'p99 vs baseline',
    'vs two-query baseline',
    'p50 latency',
    'search p99',
    'vs like-for-like baseline',
    'vs raw insert',
    'peak RSS',
    'cold start',
    'WAL peak',
    'seed:synthetic',
    '2 workers vs 1',
  ];
  for (const target of targets) t.match(run.stdout, sqliteLine(target), target);
  t.match(run.stdout, sqliteLine(/get by id\s+khabar \/ baseline\s+\d+/), 'get by id measured');
  t.match(run.stdout, sqliteLine(/list of 20\s+khabar \/ baseline\s+\d+.*\byes\s+0 \/ 0\s*$/m), 'the baseline list sends the same bytes, and every answer was a 2xx');
  t.match(
    run.stdout,
    sqliteLine(/include=people,organisations\s+khabar \/ baseline\s+\d+.*\byes\s+0 \/ 0\s*$/m),
    "the baseline embeds the same records and ends a page where khabar's bound on embedded records does: same bytes",
  );
  t.match(run.stdout, sqliteLine(/POST \/v1\/articles with relations\s+khabar \/ baseline\s+\d+.*\s0 \/ 0\s*$/m), 'writes are measured, not refused (no rate limit, no 429)');
  t.match(
    run.stdout,
    sqliteLine(/POST \/v1\/articles with relations\s+khabar \/ baseline\s+\d+.*\byes \(ids, times, slugs aside\); same rows: yes\s/),
    'the like-for-like baseline answers the same bytes and leaves the same link, search, substring and mention rows',
  );
  t.match(run.stdout, sqliteLine(/POST \/v1\/articles vs raw insert \(information\)\s+khabar \/ baseline\s+\d+.*\byes \(ids, times, slugs aside\)\s+0 \/ 0\s*$/m), 'the raw insert is still measured');
  t.match(run.stdout, sqliteLine(/get by id\s+khabar \/ baseline(\s+[\d.]+){7}\s+\d+\.\d\d–\d+\.\d\d/), 'two rounds give a spread of per-round ratios beside the median');
  t.match(run.stdout, /^(Every spread of per-round ratios is within 0\.1\.|Per-round ratios spread wider than 0\.1 \(not steady\): .+\.) /m, 'the report says whether a spread is wider than 0.1');
  t.match(
    run.stdout,
    /CPU in get by id: 1 vs 2 workers, medians of the rounds: 1 worker \d+\.\d\d cores, \d+ µs a request \(the load generator \d+ µs\); 2 workers \d+\.\d\d cores/,
    'and what each side of 1 vs 2 workers used of the cores',
  );
  t.match(
    run.stdout,
    /CPU in POST \/v1\/articles with relations, medians of the rounds: khabar \d+\.\d\d cores, \d+ µs a request \(the load generator \d+ µs\); baseline \d+\.\d\d cores, \d+ µs a request \(the load generator \d+ µs\)\./,
    "what khabar and the baseline used of the cores in the like-for-like POST, SQLite's own CPU counted in theirs",
  );
  t.match(run.stdout, /^mixed: readers without \/ with writes\s+no writes \/ writes\s+\d+.*\s0 \/ 0\s*$/m, 'readers at a fixed rate, with and without writes, every answer a 2xx');
  t.match(run.stdout, /^mixed: reader p99 with writes vs without\s+\d+\.\d\d ×/m, 'the reader p99 with writes over without');
  const writes = /^writes sent \/ failed\s+(\d+)\s+(\d+)\s*$/m.exec(run.stdout);
  t.ok(Number(writes?.[1]) > 0, `the mixed scenario's writers wrote (${writes?.[1]})`);
  t.equal(writes?.[2], '0', 'and none failed');
  for (const part of ['waiting for its group commit', "its batch's transaction", 'commit']) {
    t.match(run.stdout, new RegExp(`^${part}\\s+\\d+\\.\\d\\d\\s+\\d+\\.\\d\\d\\s*$`, 'm'), `a write's time ${part}, from its Server-Timing`);
  }
  for (const part of ['article and link rows', 'search words', 'stems', 'search index rows', 'trigrams', 'linking', 'mention rows']) {
    t.match(run.stdout, new RegExp(`^${part}.*\\s\\d+\\s*$`, 'm'), `the cost of ${part} in µs per article`);
  }
  // PostgreSQL's rows: the same scenarios as SQLite's, against the PostgreSQL baseline, then workers and nodes.
  for (const scenario of ['get by id', 'list of 20', 'list of 20, include=people,organisations']) {
    t.match(
      run.stdout,
      new RegExp(`^PostgreSQL: ${scenario}\\s+khabar / baseline\\s+\\d+.*\\byes\\s+0 / 0\\s*$`, 'm'),
      `on PostgreSQL, ${scenario}: khabar against the PostgreSQL baseline, the same bytes, every answer a 2xx`,
    );
  }
  t.match(
    run.stdout,
    /^PostgreSQL: page 1 vs page \d+ \(1 connection\)\s+page 1 \/ page \d+\s+\d+.*\byes\s+0 \/ 0\s*$/m,
    'on PostgreSQL, page 1 against a deep page, whose bytes the baseline sends too',
  );
  t.match(run.stdout, /^PostgreSQL: search\s+khabar\s+\d+.*\s0\s*$/m, 'search on PostgreSQL, every answer a 2xx');
  t.match(run.stdout, /^PostgreSQL: mixed: readers without \/ with writes\s+no writes \/ writes\s+\d+.*\s0 \/ 0\s*$/m, 'on PostgreSQL, readers at a fixed rate, with and without writes');
  t.match(
    run.stdout,
    /^PostgreSQL: POST \/v1\/articles with relations\s+khabar \/ baseline\s+\d+.*\byes \(ids, times, slugs aside\); same rows: yes\s+0 \/ 0\s*$/m,
    'on PostgreSQL, the like-for-like baseline answers the same bytes and leaves the same link, search, substring and mention rows',
  );
  t.match(run.stdout, /^PostgreSQL: POST \/v1\/articles vs raw insert \(information\)\s+khabar \/ baseline\s+\d+.*\byes \(ids, times, slugs aside\)\s+0 \/ 0\s*$/m, 'and the raw insert');
  t.match(run.stdout, /^PostgreSQL: get by id: 1 vs 2 workers\s+1 worker \/ 2 workers\s+\d+.*\s0 \/ 0\s*$/m, 'one process against WORKERS=2 on one database');
  t.match(run.stdout, /^PostgreSQL: get by id: 1 vs 2 nodes\s+1 node \/ 2 nodes\s+\d+.*\s0 \/ 0\s*$/m, 'one node against two server processes on one database');
  t.match(
    run.stdout,
    /CPU in PostgreSQL: get by id: 1 vs 2 nodes, medians of the rounds: 1 node \d+\.\d\d cores, \d+ µs a request \(the load generator \d+ µs\); 2 nodes \d+\.\d\d cores/,
    'and what each side used of the cores, both nodes counted',
  );
  const postCpu =
    /CPU in PostgreSQL: POST \/v1\/articles with relations, medians of the rounds: khabar (\d+\.\d\d) cores, (\d+) µs a request \(the load generator \d+ µs, the database server (\d+\.\d\d) cores and (\d+) µs\); baseline \d+\.\d\d cores, \d+ µs a request \(the load generator \d+ µs, the database server (\d+\.\d\d) cores and (\d+) µs\)/.exec(
      run.stdout,
    );
  t.ok(postCpu, "on PostgreSQL, the like-for-like POST's CPU: khabar's, the baseline's, and the PostgreSQL server's beside each");
  t.ok(Number(postCpu?.[4]) > 0 && Number(postCpu?.[6]) > 0, `PostgreSQL's server did work for both sides' writes (${postCpu?.[4]} and ${postCpu?.[6]} µs a request)`);
  for (const target of [
    'get by id: req/s vs PostgreSQL baseline',
    'page \\d+ vs page 1: p50 latency',
    'mixed: reader p99 with writes vs without',
    'search p99 vs get-by-id p99',
    'POST with relations: req/s vs like-for-like PostgreSQL baseline',
    'POST with relations: req/s vs raw insert',
    '2 workers vs 1 \\(reads\\)',
    '2 nodes vs 1 \\(reads\\)',
  ]) {
    t.match(run.stdout, new RegExp(`^PostgreSQL: ${target}\\s+\\d+\\.\\d\\d`, 'm'), `the PostgreSQL target ${target}, measured`);
  }
  const postgresWrites = /^a write on PostgreSQL \(ms, batch in writes\)[\s\S]*?^writes sent \/ failed\s+(\d+)\s+(\d+)\s*$/m.exec(run.stdout);
  t.ok(Number(postgresWrites?.[1]) > 0, `the mixed scenario's writers wrote on PostgreSQL (${postgresWrites?.[1]})`);
  t.equal(postgresWrites?.[2], '0', 'and none failed');
  t.match(run.stdout, /^PostgreSQL: seed:synthetic at this size\s+[\d.]+ s\s/m, "the data set's load into PostgreSQL, timed");
  const storage = (name: string) => new RegExp(`^${name}\\s+(\\S+)\\s+[\\d.]+\\s+(\\d+)\\s*$`, 'm').exec(run.stdout);
  const articles = storage('articles');
  t.equal(articles?.[1], 'articles', 'dbstat: the articles table');
  t.ok(Number(articles?.[2]) > 0, 'the articles table takes bytes per article');
  t.equal(storage('search_index_data')?.[1], 'search_index', 'dbstat: an FTS5 shadow table is counted as its index');
  t.equal(storage('mentions_article_idx')?.[1], 'mentions', 'dbstat: an index is counted with its table');
  const all = /^all\s+([\d.]+)\s+(\d+)\s*$/m.exec(run.stdout);
  t.ok(all && Number(all[2]) > Number(articles?.[2]), 'the whole database takes more per article than its articles table');
});

t.test('the soak counts each status its readers and writers got, so a share of failures has a cause', async (t) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', new URL('../bench/run.ts', import.meta.url).pathname, '--soak', '0.1'], {
    env: { ...notCovered, BENCH_QUICK: '1', BENCH_REPORT: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  t.equal(run.status, 0, run.stderr);
  const summary = /^(\d+) reads \((\d+) not 2xx\), (\d+) writes \((\d+) failed\)/m.exec(run.stdout);
  const reads = /^- reads by status: 200 × ([\d,]+)$/m.exec(run.stdout);
  const writes = /^- writes by status: 200 × ([\d,]+), 201 × ([\d,]+)$/m.exec(run.stdout);
  const count = (n: string | undefined) => Number(n?.replaceAll(',', ''));
  t.ok(summary && count(summary[1]) > 0 && summary[2] === '0' && summary[4] === '0', 'reads and writes were answered, none failed');
  t.equal(count(reads?.[1]), count(summary?.[1]), 'every read is counted under its status: 200');
  t.equal(count(writes?.[1]) + count(writes?.[2]), count(summary?.[3]), "every write is counted under its status: a PATCH's 200, a POST's 201");
});
