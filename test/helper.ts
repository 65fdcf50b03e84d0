import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SQLWrapper, sql } from 'drizzle-orm';
import pg from 'pg';
import type { Test } from 'tap';
import { type Config, loadConfig } from '../src/core/config.js';
import { changeStamp } from '../src/core/db/change-stamp.js';
import type { Database, Db } from '../src/core/db/database.js';
import { databaseOf, engineUnder, storesOf } from '../src/core/db/handles.js';
import { type Query, sqliteStatements } from '../src/core/db/statements.js';
import type { EngineName } from '../src/core/db/url.js';
import type { JobExecutors } from '../src/core/facts/relink-jobs.js';
import type { ListPage, ListQuery } from '../src/core/list/query.js';
import type { ListingSource } from '../src/core/list/spec.js';
import type { Visibility } from '../src/core/list/visibility.js';
import type { ScheduleView } from '../src/core/resources/articles/publication.js';
import type { Repositories } from '../src/core/resources/index.js';
import { type ResourceName, resourceNames } from '../src/core/resources/registry.js';
import type { Repository, WriteContext, WriteGuard } from '../src/core/resources/shared/repository.js';
import { type App, type BuildOptions, buildApp } from '../src/web/app.js';
import { clusterOfProcess } from './postgres.js';

export const writerToken = 'test-token-0123456789';
export const auth = { authorization: `Bearer ${writerToken}` };

/** Overload checks off: a busy test process must not see 503s (test/http/overload.test.ts turns them on). */
export const noOverloadLimits = { maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0, maxRssBytes: 0, retryAfterSeconds: 10 };

/** The configuration tests start from: an in-memory database, seeded, one writer token, no overload limits. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    databaseUrl: 'file::memory:',
    logLevel: 'silent',
    apiTokens: [{ name: 'test-editor', secret: writerToken, role: 'editor' }],
    // Limits are set explicitly by the tests that exercise them.
    rateLimitMax: 0,
    rateLimitWriteMax: 0,
    authFailureRateLimitMax: 0,
    overload: noOverloadLimits,
    ...overrides,
  };
}

/** The engine `build` gives a test: TEST_ENGINE's, `sqlite` (the default) or `postgres`. */
export const testEngine: EngineName = engineNamed(process.env.TEST_ENGINE);

function engineNamed(name: string | undefined): EngineName {
  if (name === undefined || name === '' || name === 'sqlite') return 'sqlite';
  if (name === 'postgres') return 'postgres';
  throw new Error(`TEST_ENGINE is sqlite (the default) or postgres, not ${name}`);
}

/**
 * The mark of a test that reaches SQLite itself (its file, pragmas, FTS5, the statements it runs), or that needs
 * what only SQLite has: skipped, with the reason, when the suite runs on PostgreSQL. `t.test(title, sqliteOnly(why), …)`.
 */
export const sqliteOnly = (why: string) => ({ skip: testEngine === 'postgres' ? `SQLite only: ${why}` : false });

/** The public at a moment, with nothing scheduled after it, read at no change stamp (no engine's is empty): nothing derived for it is remembered. */
export const publicAt = (now: string): Visibility => ({ audience: 'public', now, nextPublication: null, scheduledAt: '' });

/** The public at a moment as the web layer decides it (web/http/visibility.ts): the schedule's next publication, and the stamp it was read at. */
export async function publicBySchedule(schedule: (now: string) => Promise<ScheduleView>, now: string): Promise<Visibility> {
  const { changes, next } = await schedule(now);
  return { audience: 'public', now, nextPublication: next, scheduledAt: changes };
}

type Seeding = Config['seed'];

/** Per seed mode, the migrated (and seeded, or empty) database the tests' databases are copied from, on the process's cluster. */
const templates = new Map<Seeding, Promise<string>>();

async function template(seed: Seeding): Promise<string> {
  const { fresh } = await clusterOfProcess();
  const { name, url } = await fresh(`template_${seed}`);
  // A server's start migrates it and, unless told not to, seeds it; closed, it leaves no connection to copy past.
  const app = await buildApp(testConfig({ databaseUrl: url, seed }));
  await app.close();
  return name;
}

/**
 * A fresh PostgreSQL database for one test, as a server started with `seed` would find it: a copy of the template
 * (`create database … template`, a file copy rather than migrations and a seed each time), dropped at teardown.
 */
async function postgresDatabase(t: Test, seed: Seeding): Promise<string> {
  if (!templates.has(seed)) templates.set(seed, template(seed));
  const templateName = await templates.get(seed)!;
  const { admin, fresh } = await clusterOfProcess();
  const { name, url } = await fresh('test', `template ${templateName}`);
  t.teardown(async () => {
    await admin.query(`drop database ${name} with (force)`);
  });
  return url;
}

/**
 * A database of the engine TEST_ENGINE names that several apps, or one started again, open by its URL: a SQLite
 * file in a temporary folder (the first app to start seeds it), or a fresh PostgreSQL database as a server started
 * with `seed` leaves it. Removed at teardown.
 */
export async function sharedDatabase(t: Test, seed: Seeding = testConfig().seed): Promise<string> {
  if (testEngine === 'postgres') return postgresDatabase(t, seed);
  const folder = mkdtempSync(join(tmpdir(), 'khabar-test-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  return `file:${join(folder, 'khabar.db')}`;
}

/**
 * An app on its own database of the engine TEST_ENGINE names, closed when the test ends: SQLite in memory, or a
 * fresh PostgreSQL database on the process's cluster. A `databaseUrl` among the overrides is used as it is.
 */
export async function build(t: Test, overrides: Partial<Config> = {}, options: BuildOptions = {}): Promise<App> {
  const app = await buildUnready(t, overrides, options);
  await app.ready();
  await namesIndexed(app);
  return app;
}

/**
 * Waits until the app's background worker has built entity linking's name index once. An article written before
 * that is linked a moment later (core/facts/index.ts), and the tests read an article's mentions as soon as it is
 * written. Where the seed's writes built it (a fresh database), it has been built already.
 */
async function namesIndexed(app: App) {
  const { nameIndexBuilds } = storesOf(app.services);
  for (const deadline = Date.now() + 10_000; nameIndexBuilds() === 0; ) {
    if (Date.now() > deadline) throw new Error('the name index was not built within 10 s of the start');
    await sleep(2);
  }
}

/** An app as `build` gives it, before its `ready()`: for a test that adds a route or a hook of its own first. */
export async function buildUnready(t: Test, overrides: Partial<Config> = {}, options: BuildOptions = {}): Promise<App> {
  const databaseUrl = overrides.databaseUrl ?? (testEngine === 'postgres' ? await postgresDatabase(t, overrides.seed ?? testConfig().seed) : testConfig().databaseUrl);
  const app = await buildApp(testConfig({ ...overrides, databaseUrl }), options);
  t.teardown(() => app.close());
  return app;
}

/** Where a listing a test builds reads: the app's reads and change stamp, on either engine, as the services' lists read theirs. */
export function listingSource(app: App): ListingSource {
  const { reads, stamp } = engineUnder(app.services);
  return { statements: reads, stamp };
}

/** Where a background job a test runs beside an app works, as the app's own do, on either engine: its reads, its writes and claims. */
export function jobsOf(app: App): JobExecutors {
  const { reads, writes } = engineUnder(app.services);
  return { reads, write: (body) => writes.run(body), claim: (body) => writes.claim(body) };
}

/** Where a background job a test runs on a SQLite database works, as a server's do: reads on the read connection, writes through group commit. */
export const jobsOn = (database: Database): JobExecutors => ({ reads: sqliteStatements(database.reader.$client), write: (body) => database.writes.run(body) });

/** A page of a repository's list on its SQLite connection `db`, as every reader sees it. */
export const listOn = <Rec>(db: Db, repository: Repository<Rec, never>, query: ListQuery): Promise<ListPage<Rec>> => repository.reads(sqliteStatements(db.$client), changeStamp(db)).list(query);

/** A page's records, read in order (Array.fromAsync comes with Node 22). */
export async function recordsOf<Rec>(page: ListPage<Rec>): Promise<Rec[]> {
  const records: Rec[] = [];
  for await (const batch of page.batches()) records.push(...batch);
  return records;
}

/** The first records of a resource's list (newest first, as every reader sees them), read as the services read, on either engine. */
export async function firstRecords<Rec>(app: App, repository: Repository<Rec, never>, limit = 1): Promise<Rec[]> {
  const { reads, stamp } = engineUnder(app.services);
  return recordsOf(await repository.reads(reads, stamp).list({ limit }));
}

/** The record stored under this id or slug, as the services' reads see it; an error when there is none. */
export async function storedRecord<Rec>(app: App, repository: Repository<Rec, never>, idOrSlug: string): Promise<Rec> {
  const found = await repository.findIn(engineUnder(app.services).reads, idOrSlug);
  if (!found) throw new Error(`no record ${idOrSlug} is stored`);
  return found;
}

/** The rows a statement reads on the app's engine, as the services' reads see them: a check of the stored state written once for both engines. */
export const readRows = <Row>(app: App, query: Query<Row>): Promise<Row[]> => engineUnder(app.services).reads.prepare(query).all();

/** Runs a statement in a write of the app's engine (a step of group commit on SQLite): a row set up or aged beside the API. */
export const writeRows = (app: App, query: Query<unknown>): Promise<{ changes: number }> => engineUnder(app.services).writes.run((tx) => tx.prepare(query).run());

/** How many rows `from` (a table, and any condition: `sql\`${table} where …\``) holds, on the app's engine. */
export async function countRows(app: App, from: SQLWrapper): Promise<number> {
  const [row] = await readRows(app, sql<{ n: number | string }>`select count(*) as n from ${from}`);
  // PostgreSQL's count is an int8, which a raw statement may give as text.
  return Number(row!.n);
}

/** The parsed JSON body of an inject() response. */
export const body = <T = any>(response: { body: string }): T => JSON.parse(response.body) as T;

/** A statement the database ran: its SQL and the values bound. */
export interface StatementCall {
  source: string;
  args: unknown[];
}

/**
 * Every statement the app's database runs while `action` does, on either engine: better-sqlite3 runs each through
 * all/get/run/iterate of its Statement class, node-postgres each through its Client's query (a transaction's begin
 * and commit among them).
 */
export async function recordStatements(app: App, action: () => Promise<unknown>): Promise<StatementCall[]> {
  const calls: StatementCall[] = [];
  const restore =
    testEngine === 'postgres'
      ? intercept(pg.Client.prototype as unknown as Methods, ['query'], (query, values) => {
          const text = typeof query === 'string' ? query : (query as pg.QueryConfig).text;
          calls.push({ source: text, args: (values as unknown[] | undefined) ?? (query as pg.QueryConfig).values ?? [] });
        })
      : intercept(Object.getPrototypeOf(databaseOf(app.services).sqlite.prepare('select 1')) as Methods, ['all', 'get', 'run', 'iterate'], function (this: { source: string }, ...args) {
          calls.push({ source: this.source, args });
        });
  try {
    await action();
  } finally {
    restore();
  }
  return calls;
}

/** A statement that reads the change stamp, a request's bookkeeping beside its own reads: SQLite's data_version, PostgreSQL's change count. */
export const readsChangeStamp = (call: StatementCall): boolean => /pragma_data_version|from change_count\b/.test(call.source);

type Methods = Record<string, (...args: unknown[]) => unknown>;

/** Has `record` see each call of these methods before it runs; returns what puts them back. */
function intercept(prototype: Methods, methods: readonly string[], record: (this: any, ...args: unknown[]) => void): () => void {
  const originals = methods.map((method) => prototype[method]!);
  methods.forEach((method, i) => {
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      record.apply(this, args);
      return originals[i]!.apply(this, args);
    };
  });
  return () =>
    methods.forEach((method, i) => {
      prototype[method] = originals[i]!;
    });
}

/** A repository's writes without the executor: each runs in a write of its own, as the API's do (a step of group commit on SQLite). */
interface Writes<Rec, Input> {
  create(input: Input, context?: WriteContext): Promise<Rec>;
  replace(idOrSlug: string, input: Input, context?: WriteContext, guard?: WriteGuard): Promise<Rec | null>;
  remove(idOrSlug: string, context?: WriteContext, guard?: WriteGuard): Promise<boolean>;
}

type WritesOf<R> = R extends Repository<infer Rec, infer Input> ? Writes<Rec, Input> : never;

/** Each resource's writes beside the API, each in a write of the app's engine, as the API's writes run. */
export function writesOf(app: App): { [R in ResourceName]: WritesOf<Repositories[R]> } {
  const { writes, stores } = engineUnder(app.services);
  const of = (repository: Repository<unknown, unknown>): Writes<unknown, unknown> => ({
    create: (input, context) => writes.run((tx) => repository.create(tx, input, context)),
    replace: (idOrSlug, input, context, guard) => writes.run((tx) => repository.replace(tx, idOrSlug, input, context, guard)),
    remove: (idOrSlug, context, guard) => writes.run((tx) => repository.remove(tx, idOrSlug, context, guard)),
  });
  return Object.fromEntries(resourceNames.map((name) => [name, of(stores[name] as Repository<unknown, unknown>)])) as { [R in ResourceName]: WritesOf<Repositories[R]> };
}
