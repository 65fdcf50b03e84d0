import { walBoundBytes } from '../src/core/db/database.js';

/** The prose of docs/benchmarks.md that says how the figures above it are made and how to read them. */
export const method = `
## How the benchmark works

- **Like for like.** The baseline answers every request with the bytes khabar sends; the report checks it
  ("same bytes"). For \`POST /v1/articles\` it also writes the rows khabar writes for the article: the article,
  its link rows, its search document and full-text row (normalised words and light stems), its substring-index
  row (trigrams) and its mention rows, computed with khabar's own core functions (the search indexer's
  \`searchEntry\` and \`substringValues\`, entity linking's name index), in one transaction per request, with
  foreign keys checked as khabar checks them. Its "same rows" check compares what the two writes leave behind:
  link rows, mention rows, and the token counts of both full-text indices (which are contentless: their text
  cannot be read back). \`POST /v1/articles?raw\` writes the article and its links alone: the old comparison,
  reported as information. To derive those rows the baseline loads khabar's core modules and builds the
  name index of every person and organisation at start (on a 2,000-article data set its resident memory
  after start went from 63 to 87 MB), so "peak RSS over baseline" is measured against a larger baseline
  than before issue 20; "peak RSS under load" is khabar's alone. With \`include\` the baseline ends a page
  where khabar does, once its records would embed more than khabar's bound (100 people and organisations,
  each counted once), its cursor after the last record kept; "same bytes" for that scenario also compares a
  page of 100, which the bound cuts in the quick data set as in the full one.
- **Interleaved, on swapped cores.** The two servers take turns under the same load (A B A B …), each on its
  own core, and take each other's core in every second round, so a core another process keeps busy slows
  both sides alike (the default number of rounds, 6, is even). \`BENCH_ROUNDS\` sets more rounds, \`BENCH_DURATION\` longer slices.
- **Spread.** A ratio is the median of the per-round ratios of requests per second, reported beside their
  spread (min–max); a spread wider than 0.1 is flagged: such a ratio did not hold still, and one run does not
  judge its target.
- **Derived structures.** The cost of each structure khabar derives from an article is measured in process
  (\`bench/derived-cost.ts\`), not over HTTP: articles of the data set are written again with the baseline's
  like-for-like writer, one transaction each, and each part is timed on its own, in µs per article.
- **Storage.** After the run (and its writes: the POST slices, the WAL check's inserts and the derived-cost
  articles) the size of every table and index comes from SQLite's \`dbstat\` virtual table, divided by the
  number of articles, beside the articles' own text for scale.
- **Writes beside reads.** The mixed scenario offers readers a fixed rate (\`BENCH_MIXED_READ_RATE\`, 400 a
  second by default: get by id and the first list page in turn, over at most 10 connections), evenly spaced and
  open loop: a request is sent when it is due, and its latency counts from that moment, so a stall counts for every
  request due during it (\`bench/load.ts\`, \`pacedLoad\`; until 2026-12-06 autocannon's \`overallRate\`, which sends
  each second's quota back to back at the second's start, so the readers queued behind each other). In slices
  of 10 s, alone and then beside writers at a fixed 50 a second (a POST of an article and a PATCH of
  another in turn, open loop: sent by the clock, whatever the answers' pace), A B A B. The target compares the
  readers' p99 with writes to their p99 without, round by round (median and spread of the per-round ratios).
  Each write's answer carries a \`Server-Timing\` header (its wait for the group commit, its batch's
  transaction, the commit), which the report summarises as "where a write's time goes".
- **Soak.** \`npm run bench -- --soak <minutes>\` runs the mixed load (readers and writers together) on one
  server for that long and samples its resident memory (\`VmRSS\`) and the WAL file's size every 5 s. After a
  warm-up of the first fifth of the run, the rest is cut in two halves: each is flat when the second half
  peaks no higher than the first, give or take 5% plus 5 MB (RSS) or ${walBoundBytes / 2 ** 20} MB (WAL: the bound past which the
  serving connection checkpoints itself). It prints its own report (the samples, both verdicts, the count of
  each status the readers and the writers got, connection errors and timeouts among them, and where the
  writes' time went).
- **1 vs 2 workers.** The single worker is pinned to one core and the load generator to the other; the two
  workers share both cores with the load generator. Each side's CPU is read from \`/proc\` around its slices (a
  cluster's primary and workers together), and the report gives the cores each used and the CPU a request took,
  the load generator's beside it. On 2 cores the two workers can pass one only when the one did not have its
  core: a single worker that used less than 0.9 of it is named, since its ratio then measures what else ran there.
  The like-for-like POST gets the same line on either engine (khabar, pinned to its core, against the baseline), and
  on PostgreSQL the database server's CPU beside each side's, read the same way from its postmaster and every
  process under it (the backends serving both sides' pools, its background workers): what holds khabar's writes
  is then its own CPU (near a whole core), the database server's, or neither (it waited: on the feed's lock, on
  another write's rows).
- **PostgreSQL.** \`npm run bench -- --engines sqlite,postgres\` adds PostgreSQL's rows (each named
  "PostgreSQL: …") after SQLite's: the run starts a throwaway cluster of the machine's PostgreSQL on 127.0.0.1 in
  a temporary folder, as the tests start theirs (\`bench/postgres-cluster.ts\`, with \`fsync\`, \`synchronous_commit\`
  and \`full_page_writes\` off: figures of a database that does not wait for its disk), loads the same data set into
  it (\`seed:synthetic --seed 42\` at the run's size: the same seed writes the same records on both engines), and
  stops and removes it at the end. There khabar runs every scenario of SQLite's rows, in the same order with the
  same settings (\`bench/scenarios.ts\`), against \`bench/baseline-postgres.ts\` (\`node:http\` and node-postgres
  named prepared statements on a pool of 10, answering with khabar's bytes): get by id, a list page and its
  \`include\`, page 1 against a deep page, search, the mixed scenario (with its own "where a write's time goes"),
  and the like-for-like POST, whose baseline writes the rows the SQLite baseline writes, built by the same code
  (\`bench/article-rows.ts\`: khabar's core functions; only the placeholders differ), in one transaction on one
  pooled connection; its "same rows" check reads PostgreSQL's full-text row itself (its words and stems are
  stored text), the substring row (the slug by its length) and the link and mention rows. What neither baseline
  does, and khabar's ratio pays for: a revision row and a change-feed event per write and, on PostgreSQL, the
  feed's lock (appending writes one at a time, serializable) and the change count with its notification. Then one process against
  two on the same database, get by id, the one on a core of its own: \`WORKERS=2\` (node:cluster's workers sharing
  one port) and two nodes (two servers as \`npm start\` runs them, each with its own port, pool and change signal;
  the load generator deals its connections to them in turn, 5 each, one autocannon instance a node, and counts
  their answers together; the CPU line sums both nodes). The workers, the nodes and the PostgreSQL server's
  processes are not pinned: they share both cores with the load. PostgreSQL's ratios to its baseline are reported,
  not judged (the targets were set on SQLite); the deep page, the readers' p99 beside writes and search's p99,
  which compare khabar with itself, are judged by SQLite's targets. Without the flag a run measures SQLite only,
  as before; \`BENCH_DB\` (a copied SQLite file) cannot be combined with it.
- **Before and after.** \`npm run bench -- --against <git ref>\` compares this build with another instead of
  with the baseline: the ref is built in a temporary git worktree (with this checkout's \`node_modules\`) and
  started as its own \`npm start\` would; its \`seed:synthetic\` makes the data set, of which each server gets
  a copy. Get by id, list of 20 and POST run interleaved on swapped cores; the table gives this build over the
  ref, with the spread. \`BENCH_QUICK=1\` makes it a smoke run.
- **Stopping a run.** Ctrl-C (SIGINT) or SIGTERM stops the servers, the load generator and the PostgreSQL cluster
  the run started, newest first, removes its temporary folders (and \`--against\`'s worktree), then exits with 130
  or 143 (\`bench/cleanup.ts\`; \`npm run bench\` execs it after the build, so a signal sent to npm reaches it); a
  run that fails ends them too before it reports its error. A step that runs a program to its end
  (\`seed:synthetic\`, \`--against\`'s worktree and build) is awaited in a process group of its own
  (\`bench/step.ts\`), which a signal stops like the rest, so the bench exits at once rather than when the step
  ends. A slice is dealt to no more nodes than its connections, requests and offered rate can each be shared among
  (\`bench/dealing.ts\`): autocannon reads an amount or a rate of 0 as no bound, so a node dealt none would run flat
  out.
- **What a run keeps.** Rewriting this page keeps the sections of the previous one whose heading ends "(not a
  benchmark run)" (written by hand), at the end of the page as sections of their own (so a hand-written
  section takes a heading of the page's first level, \`##\`), and its scale curve when the run measured one size only.
`;
