import type { Test } from 'tap';
import { type Config, loadConfig } from '../src/core/config.js';
import { databaseOf } from '../src/core/db/handles.js';
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

/** The parsed JSON body of an inject() response. */
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
