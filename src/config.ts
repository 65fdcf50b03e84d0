import { z } from 'zod';
import { parseDatabaseUrl } from './db/url.js';

/** A bearer token allowed to write, with the name that provenance records carry. */
export interface ApiToken {
  name: string;
  secret: string;
}

// An empty variable means "not set": `PORT= npm start` must not become port 0.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema);

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** `name:secret` or a bare secret (named token-1, token-2, … by position). */
function parseTokens(list: string, ctx: z.RefinementCtx): ApiToken[] {
  const entries = list.split(',').map((entry) => entry.trim()).filter(Boolean);
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon) : `token-${index + 1}`;
    const secret = colon > 0 ? entry.slice(colon + 1) : entry;
    if (secret.length < 16) {
      ctx.addIssue({ code: 'custom', message: `token ${name} is shorter than 16 characters` });
    }
    return { name, secret };
  });
}

/** `*` (any origin) or a comma-separated list of origins such as `https://news.example`. */
const corsOrigins = z
  .string()
  .transform((list) => list.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ }).regex(/^[^/]+\/\/[^/]+$/, 'an origin has no path')])).min(1, 'needs at least one origin'))
  .transform((origins): '*' | string[] => (origins.includes('*') ? '*' : origins));

const seconds = z.coerce.number().int().min(0).max(31_536_000);
const requestCount = z.coerce.number().int().min(0).max(1_000_000);

const environment = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: optional(z.string().min(1).default('127.0.0.1')),
  LOG_LEVEL: optional(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  DATABASE_URL: optional(
    z
      .string()
      .superRefine((url, ctx) => {
        const location = parseDatabaseUrl(url);
        if ('problem' in location) ctx.addIssue({ code: 'custom', message: location.problem });
      })
      .default('file:./data/khabar.db'),
  ),
  API_TOKENS: optional(z.string().default('').transform(parseTokens)),
  SEED: optional(z.enum(['auto', 'never']).default('auto')),
  BODY_LIMIT: optional(z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024)),
  TRUST_PROXY: optional(booleanFlag.default(false)),
  CACHE_MAX_AGE: optional(seconds.default(30)),
  CACHE_STALE_WHILE_REVALIDATE: optional(seconds.default(60)),
  REQUIRE_IF_MATCH: optional(booleanFlag.default(false)),
  CORS_ORIGINS: optional(corsOrigins.default('*')),
  RATE_LIMIT_MAX: optional(requestCount.default(300)),
  RATE_LIMIT_WRITE_MAX: optional(requestCount.default(60)),
  RATE_LIMIT_WINDOW: optional(seconds.min(1).default(60)),
  // Reliability: overload thresholds (0 turns a check off) and the graceful-shutdown budget.
  OVERLOAD_EVENT_LOOP_DELAY_MS: optional(z.coerce.number().int().min(0).default(1000)),
  OVERLOAD_HEAP_USED_BYTES: optional(z.coerce.number().int().min(0).default(0)),
  OVERLOAD_RSS_BYTES: optional(z.coerce.number().int().min(0).default(0)),
  OVERLOAD_RETRY_AFTER_S: optional(z.coerce.number().int().min(1).max(3600).default(10)),
  SHUTDOWN_TIMEOUT_MS: optional(z.coerce.number().int().min(0).max(600_000).default(10_000)),
  WORKERS: optional(z.coerce.number().int().min(1).max(64).default(1)),
});

export interface Config {
  port: number;
  host: string;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  databaseUrl: string;
  apiTokens: ApiToken[];
  seed: 'auto' | 'never';
  bodyLimit: number;
  trustProxy: boolean;
  /** Cache-Control for public reads, in seconds. */
  cacheMaxAge: number;
  cacheStaleWhileRevalidate: number;
  /** Refuse PUT, PATCH and DELETE without If-Match (428). */
  requireIfMatch: boolean;
  corsOrigins: '*' | string[];
  /** Reads per client address per window; 0 turns the limit off. */
  rateLimitMax: number;
  /** Writes per token per window; 0 turns the limit off. */
  rateLimitWriteMax: number;
  rateLimitWindowSeconds: number;
  overload: OverloadLimits;
  shutdownTimeoutMs: number;
  /** Server processes sharing the port and the database file (node:cluster); 1 runs no cluster. */
  workers: number;
}

/** When the server answers 503 instead of taking more work; a zero turns that check off. */
export interface OverloadLimits {
  maxEventLoopDelayMs: number;
  maxHeapUsedBytes: number;
  maxRssBytes: number;
  retryAfterSeconds: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads the configuration from environment variables; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid ${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    apiTokens: e.API_TOKENS,
    seed: e.SEED,
    bodyLimit: e.BODY_LIMIT,
    trustProxy: e.TRUST_PROXY,
    cacheMaxAge: e.CACHE_MAX_AGE,
    cacheStaleWhileRevalidate: e.CACHE_STALE_WHILE_REVALIDATE,
    requireIfMatch: e.REQUIRE_IF_MATCH,
    corsOrigins: e.CORS_ORIGINS,
    rateLimitMax: e.RATE_LIMIT_MAX,
    rateLimitWriteMax: e.RATE_LIMIT_WRITE_MAX,
    rateLimitWindowSeconds: e.RATE_LIMIT_WINDOW,
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.OVERLOAD_HEAP_USED_BYTES,
      maxRssBytes: e.OVERLOAD_RSS_BYTES,
      retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_S,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workers: e.WORKERS,
  };
}
