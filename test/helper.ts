import type { Test } from 'tap';
import { type Config, loadConfig } from '../src/core/config.js';
import { changeStamp } from '../src/core/db/change-stamp.js';
import type { Database, Db } from '../src/core/db/database.js';
import { databaseOf, storesOf } from '../src/core/db/handles.js';
import { executorOn } from '../src/core/db/sqlite-write.js';
import { sqliteStatements } from '../src/core/db/statements.js';
import type { JobExecutors } from '../src/core/facts/relink-jobs.js';
import type { ListPage, ListQuery } from '../src/core/list/query.js';
import type { ListingSource } from '../src/core/list/spec.js';
import type { Repositories } from '../src/core/resources/index.js';
import { type ResourceName, resourceNames } from '../src/core/resources/registry.js';
import type { Repository, WriteContext, WriteGuard } from '../src/core/resources/shared/repository.js';
import { type App, buildApp } from '../src/web/app.js';

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

/** An app on its own in-memory database, closed when the test ends. */
export async function build(t: Test, overrides: Partial<Config> = {}): Promise<App> {
  const app = await buildApp(testConfig(overrides));
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

/** Where a listing a test builds reads: the SQLite connection `db`, as the services' lists read theirs. */
export const listingSource = (db: Db): ListingSource => ({ statements: sqliteStatements(db.$client), stamp: changeStamp(db) });

/** Where a background job a test runs works, as a server's do: reads on the read connection, writes through group commit. */
export const jobsOn = (database: Database): JobExecutors => ({ reads: sqliteStatements(database.reader.$client), write: (body) => database.writes.run(body) });

/** A page of a repository's list on its SQLite connection `db`, as every reader sees it. */
export const listOn = <Rec>(db: Db, repository: Repository<Rec, never>, query: ListQuery): Promise<ListPage<Rec>> => repository.reads(sqliteStatements(db.$client), changeStamp(db)).list(query);

/** A page's records, read in order (Array.fromAsync comes with Node 22). */
export async function recordsOf<Rec>(page: ListPage<Rec>): Promise<Rec[]> {
  const records: Rec[] = [];
  for await (const batch of page.batches()) records.push(...batch);
  return records;
}

/** The first records of a resource's list (newest first, as every reader sees them), read as `storesOf`'s stores read. */
export const firstRecords = async <Rec>(app: App, repository: Repository<Rec, never>, limit = 1) => recordsOf(await listOn(databaseOf(app.services).db, repository, { limit }));

/** The parsed JSON body of an inject() response. */
/** The record stored under this id or slug, as the read connection sees it; an error when there is none. */
export async function storedRecord<Rec>(app: App, repository: Repository<Rec, never>, idOrSlug: string): Promise<Rec> {
  const found = await repository.findIn(executorOn(databaseOf(app.services).reader.$client), idOrSlug);
  if (!found) throw new Error(`no record ${idOrSlug} is stored`);
  return found;
}

export const body = <T = any>(response: { body: string }): T => JSON.parse(response.body) as T;

/** A statement the database ran: its SQL and the values bound. */
export interface StatementCall {
  source: string;
  args: unknown[];
}

/** Every statement the database runs while `action` does (better-sqlite3 runs each through all/get/run/iterate of its Statement class). */
export async function recordStatements(app: App, action: () => Promise<unknown>): Promise<StatementCall[]> {
  const prototype = Object.getPrototypeOf(databaseOf(app.services).sqlite.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  const calls: StatementCall[] = [];
  const methods = ['all', 'get', 'run', 'iterate'] as const;
  const originals = methods.map((method) => prototype[method]!);
  methods.forEach((method, i) => {
    prototype[method] = function (this: { source: string }, ...args: unknown[]) {
      calls.push({ source: this.source, args });
      return originals[i]!.apply(this, args);
    };
  });
  try {
    await action();
  } finally {
    methods.forEach((method, i) => {
      prototype[method] = originals[i]!;
    });
  }
  return calls;
}

/** A repository's writes without the executor: each runs in its own step of the app's group commit. */
interface Writes<Rec, Input> {
  create(input: Input, context?: WriteContext): Promise<Rec>;
  replace(idOrSlug: string, input: Input, context?: WriteContext, guard?: WriteGuard): Promise<Rec | null>;
  remove(idOrSlug: string, context?: WriteContext, guard?: WriteGuard): Promise<boolean>;
}

type WritesOf<R> = R extends Repository<infer Rec, infer Input> ? Writes<Rec, Input> : never;

/** Each resource's writes beside the API, in steps of the app's group commit, as the API's writes run. */
export function writesOf(app: App): { [R in ResourceName]: WritesOf<Repositories[R]> } {
  const stores = storesOf(app.services);
  const { writes } = databaseOf(app.services);
  const of = (repository: Repository<unknown, unknown>): Writes<unknown, unknown> => ({
    create: (input, context) => writes.run((tx) => repository.create(tx, input, context)),
    replace: (idOrSlug, input, context, guard) => writes.run((tx) => repository.replace(tx, idOrSlug, input, context, guard)),
    remove: (idOrSlug, context, guard) => writes.run((tx) => repository.remove(tx, idOrSlug, context, guard)),
  });
  return Object.fromEntries(resourceNames.map((name) => [name, of(stores[name] as Repository<unknown, unknown>)])) as { [R in ResourceName]: WritesOf<Repositories[R]> };
}
