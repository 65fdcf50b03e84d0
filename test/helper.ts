import type { Test } from 'tap';
import { buildApp, type App } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';

export const writerToken = 'test-token-0123456789';
export const auth = { authorization: `Bearer ${writerToken}` };

/** The configuration tests start from: an in-memory database, seeded, one writer token. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({}),
    databaseUrl: 'file::memory:',
    logLevel: 'silent',
    apiTokens: [{ name: 'test-editor', secret: writerToken }],
    // Limits are set explicitly by the tests that exercise them.
    rateLimitMax: 0,
    rateLimitWriteMax: 0,
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
