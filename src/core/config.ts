import { z } from 'zod';
import { defaultWriteBatchMs } from './db/group-commit.js';
import { databaseUrlProblem, engineOf, readUrlProblem } from './db/url.js';
import { decimalInteger } from './decimal-integer.js';

/** What a token may do, least first: each role may do what the ones before it may. */
export const roles = ['preview', 'editor', 'admin'] as const;
export type Role = (typeof roles)[number];

/** A bearer token: the name that revisions and provenance record, and the role that decides what it may call. */
export interface ApiToken {
  name: string;
  secret: string;
  role: Role;
}

/** An entry that names no role keeps the meaning every token had before roles: it writes. */
const defaultRole: Role = 'editor';
const isRole = (value: string): value is Role => (roles as readonly string[]).includes(value);

// An empty variable means "not set": `PORT= npm start` must not become port 0.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema);

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true');

/**
 * `name:secret`, `name@role:secret`, or a bare secret (named token-1, token-2, … by position); without a role
 * a token is an editor. Entries that would collide are refused: two tokens of one name would share
 * idempotency keys, rate budgets and provenance. A role is written before the colon because a secret may
 * hold colons and `@`.
 */
function parseTokens(list: string, ctx: z.RefinementCtx): ApiToken[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const tokens = entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const label = colon > 0 ? entry.slice(0, colon) : '';
    const at = label.lastIndexOf('@');
    const name = (at >= 0 ? label.slice(0, at) : label) || `token-${index + 1}`;
    const role = at >= 0 ? label.slice(at + 1) : defaultRole;
    const secret = colon > 0 ? entry.slice(colon + 1) : entry;
    return { name, secret, role, generated: colon <= 0, unnamed: at === 0 };
  });
  const problems = tokens.flatMap(({ name, secret, role, generated, unnamed }, index) => {
    const earlier = tokens.slice(0, index);
    const clash = earlier.find((other) => other.name === name);
    return [
      // A mistyped role must not quietly become a name, nor a token of another role.
      isRole(role) ? null : `token ${name} names the role ${role || '(none)'}; a role is ${roles.join(', ')}`,
      unnamed ? `token ${name} has a role but no name: write name@role:secret` : null,
      // A Bearer credential has no whitespace: such a secret could never be presented.
      /\s/.test(secret) ? `token ${name} has whitespace in its secret` : null,
      secret.length < 16 ? `token ${name} is shorter than 16 characters` : null,
      earlier.some((other) => other.secret === secret) ? `token ${name} repeats the secret of an earlier token` : null,
      clash && (generated || clash.generated)
        ? `token ${name} is both a bare secret's generated name and an explicit one; name every token name:secret`
        : clash
          ? `token name ${name} is used twice`
          : null,
    ];
  });
  const first = problems.find((problem) => problem !== null);
  if (first) ctx.addIssue({ code: 'custom', message: first });
  return tokens.flatMap(({ name, secret, role }) => (isRole(role) ? [{ name, secret, role }] : []));
}

const ipv4 = z.ipv4();
const ipv6 = z.ipv6();
/** An address, a CIDR range, or one of proxy-addr's names for the private ranges. */
function isTrustedAddress(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const bits = ipv4.safeParse(address).success ? 32 : ipv6.safeParse(address).success ? 128 : 0;
  if (bits === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
}

const hopCount = decimalInteger(1, 16);

/**
 * Whom to believe about the client address: `false` (no one: the socket's address), a number of proxy hops
 * in front of khabar, or the proxies' addresses. `true` would take the left-most X-Forwarded-For entry,
 * which the client writes.
 */
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  if (value === 'false') return false;
  if (value === 'true') {
    ctx.addIssue({
      code: 'custom',
      message: 'true trusts every hop, so a client can forge its address; write the number of proxies in front of khabar (1 for one nginx) or their addresses (127.0.0.1,10.0.0.0/8)',
    });
    return z.NEVER;
  }
  if (/^[0-9]+$/.test(value)) {
    const hops = hopCount.safeParse(value);
    if (!hops.success) ctx.addIssue({ code: 'custom', message: 'a hop count is 1 to 16, in decimal digits without a leading zero (false: no proxy)' });
    return hops.success ? hops.data : z.NEVER;
  }
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = entries.find((entry) => !isTrustedAddress(entry));
  if (bad !== undefined || entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: `${bad ?? value} is not a hop count, an IP address, a CIDR range, loopback, linklocal or uniquelocal` });
  }
  return entries;
});

/** Where clients reach khabar: the origin of every absolute URL in a response, never the request's Host. */
const publicUrl = z
  .url({ protocol: /^https?$/ })
  .transform((url) => url.replace(/\/$/, ''))
  .superRefine((url, ctx) => {
    // Links are this text followed by a path: a spelling the URL parser would rewrite (a backslash, spaces,
    // upper case, a default port) would make links other than the origin it names.
    const { origin, username, password, pathname, search, hash } = new URL(url);
    if (username || password || pathname !== '/' || search || hash || url.includes('\\')) {
      ctx.addIssue({ code: 'custom', message: 'an origin such as https://news.example, without credentials, a path, query, fragment or backslash' });
    } else if (origin !== url) {
      ctx.addIssue({ code: 'custom', message: `write the origin as a URL parser does: ${origin}` });
    }
  });

/** `*` (any origin) or a comma-separated list of origins such as `https://news.example`. */
const corsOrigins = z
  .string()
  .transform((list) =>
    list
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.union([z.literal('*'), z.url({ protocol: /^https?$/ }).regex(/^[^/]+\/\/[^/]+$/, 'an origin has no path')])).min(1, 'needs at least one origin'))
  .transform((origins): '*' | string[] => (origins.includes('*') ? '*' : origins));

/** PostgreSQL's connections per process when DATABASE_POOL_MAX is not set: node-postgres's own default. */
export const defaultPoolMax = 10;

const maxSeconds = 31_536_000;
const seconds = decimalInteger(0, maxSeconds);
const requestCount = decimalInteger(0, 1_000_000);
const timeoutMs = decimalInteger(100, 3_600_000);

const environment = z.object({
  PORT: optional(decimalInteger(0, 65535).default(3000)),
  HOST: optional(z.string().min(1).default('127.0.0.1')),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  DATABASE_URL: optional(
    z
      .string()
      .superRefine((url, ctx) => {
        const problem = databaseUrlProblem(url);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('file:./data/khabar.db'),
  ),
  // A streaming replica of DATABASE_URL's PostgreSQL that serves reads (docs/postgresql.md, the read replica).
  DATABASE_READ_URL: optional(
    z
      .string()
      .superRefine((url, ctx) => {
        const problem = readUrlProblem(url);
        if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  ),
  // PostgreSQL's connections per process (node-postgres's pool, and the replica's); SQLite opens two whatever it says.
  DATABASE_POOL_MAX: optional(decimalInteger(1, 1000).default(defaultPoolMax)),
  WRITE_BATCH_MS: optional(decimalInteger(1, 60_000).default(defaultWriteBatchMs)),
  API_TOKENS: optional(z.string().default('').transform(parseTokens)),
  SEED: optional(z.enum(['auto', 'never']).default('auto')),
  BODY_LIMIT: optional(decimalInteger(1024, 100 * 1024 * 1024).default(1024 * 1024)),
  TRUST_PROXY: optional(trustProxy.default(false)),
  PUBLIC_URL: optional(publicUrl.optional()),
  CACHE_MAX_AGE: optional(seconds.default(30)),
  CACHE_STALE_WHILE_REVALIDATE: optional(seconds.default(60)),
  RESPONSE_CACHE_MB: optional(decimalInteger(0, 4096).default(32)),
  REQUIRE_IF_MATCH: optional(booleanFlag.default(false)),
  CORS_ORIGINS: optional(corsOrigins.default('*')),
  RATE_LIMIT_MAX: optional(requestCount.default(300)),
  RATE_LIMIT_WRITE_MAX: optional(requestCount.default(60)),
  RATE_LIMIT_WINDOW: optional(decimalInteger(1, maxSeconds).default(60)),
  AUTH_FAILURE_RATE_LIMIT_MAX: optional(requestCount.default(10)),
  // Slow clients: the whole request, its headers, and an idle keep-alive connection.
  REQUEST_TIMEOUT_MS: optional(timeoutMs.default(30_000)),
  HEADERS_TIMEOUT_MS: optional(timeoutMs.default(10_000)),
  KEEP_ALIVE_TIMEOUT_MS: optional(timeoutMs.default(5_000)),
  // Reliability: overload thresholds (0 turns a check off) and the graceful-shutdown budget.
  OVERLOAD_EVENT_LOOP_DELAY_MS: optional(decimalInteger(0, Number.MAX_SAFE_INTEGER).default(1000)),
  OVERLOAD_HEAP_USED_BYTES: optional(decimalInteger(0, Number.MAX_SAFE_INTEGER).default(0)),
  OVERLOAD_RSS_BYTES: optional(decimalInteger(0, Number.MAX_SAFE_INTEGER).default(0)),
  OVERLOAD_RETRY_AFTER_S: optional(decimalInteger(1, 3600).default(10)),
  SHUTDOWN_TIMEOUT_MS: optional(decimalInteger(0, 600_000).default(10_000)),
  WORKERS: optional(decimalInteger(1, 64).default(1)),
  // The change stream (web/changes/routes.ts): its heartbeat, how often it looks for new events, how many may be open.
  CHANGES_HEARTBEAT_MS: optional(decimalInteger(100, 300_000).default(15_000)),
  CHANGES_POLL_MS: optional(decimalInteger(10, 60_000).default(250)),
  CHANGES_STREAMS_MAX: optional(decimalInteger(1, 100_000).default(1000)),
  CHANGES_STREAMS_PER_CLIENT: optional(decimalInteger(1, 1000).default(4)),
  // Webhook deliveries (core/webhooks/dispatcher.ts): where they may go, how long an attempt may take, how often and how many times one is retried.
  WEBHOOK_ALLOW_PRIVATE: optional(booleanFlag.default(false)),
  WEBHOOK_TIMEOUT_MS: optional(decimalInteger(100, 120_000).default(10_000)),
  WEBHOOK_CONCURRENCY: optional(decimalInteger(1, 256).default(8)),
  WEBHOOK_MAX_ATTEMPTS: optional(decimalInteger(1, 50).default(8)),
  WEBHOOK_RETRY_BASE_MS: optional(decimalInteger(10, 3_600_000).default(30_000)),
  WEBHOOK_RETRY_MAX_MS: optional(decimalInteger(10, 86_400_000).default(6 * 3_600_000)),
  WEBHOOK_POLL_MS: optional(decimalInteger(10, 60_000).default(1000)),
  // How long a settled delivery stays listed before a background job deletes it: the outbox would grow with every change.
  WEBHOOK_DELIVERY_RETENTION_DAYS: optional(decimalInteger(1, 3650).default(30)),
  // How long a DELETEd record stays restorable before a background job purges it (core/trash): up to ten years.
  TRASH_RETENTION_DAYS: optional(decimalInteger(1, 3650).default(30)),
});

export interface Config {
  port: number;
  host: string;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  databaseUrl: string;
  /** A streaming replica of the PostgreSQL primary that serves reads, or null: every read goes to `databaseUrl`. */
  databaseReadUrl: string | null;
  /** The most connections a process opens to PostgreSQL (its pool, and as many to the replica); unused on SQLite. */
  databasePoolMax: number;
  /** Milliseconds a batch of group commit holds SQLite's write lock before it starts no further write (core/db/group-commit.ts); unused on PostgreSQL. */
  writeBatchMs: number;
  apiTokens: ApiToken[];
  seed: 'auto' | 'never';
  bodyLimit: number;
  /** false, a number of proxy hops, or the proxies' addresses and ranges (src/web/http/trust-proxy.ts passes it to Fastify). */
  trustProxy: false | number | string[];
  /** The origin of absolute URLs in responses (no trailing slash). */
  publicUrl: string;
  /** Cache-Control for public reads, in seconds. */
  cacheMaxAge: number;
  cacheStaleWhileRevalidate: number;
  /** Bytes of serialised read responses kept per process (web/http/response-cache.ts); 0 keeps none. */
  responseCacheBytes: number;
  /** Refuse PUT, PATCH and DELETE without If-Match (428). */
  requireIfMatch: boolean;
  corsOrigins: '*' | string[];
  /** Reads per client address per window; 0 turns the limit off. */
  rateLimitMax: number;
  /** Writes per token per window; 0 turns the limit off. */
  rateLimitWriteMax: number;
  rateLimitWindowSeconds: number;
  /** Requests refused with 401 per client address per window before the next is refused with 429; 0: no limit. */
  authFailureRateLimitMax: number;
  timeouts: Timeouts;
  overload: OverloadLimits;
  shutdownTimeoutMs: number;
  /** Server processes sharing the port and the database file (node:cluster); 1 runs no cluster. */
  workers: number;
  changeStream: ChangeStreamLimits;
  webhooks: WebhookLimits;
  /** Days a trashed record is kept before it is purged. */
  trashRetentionDays: number;
}

/** How webhook deliveries are sent (per process) and retried. */
export interface WebhookLimits {
  /** Send to loopback, private and link-local addresses too (a receiver on the same host or network). */
  allowPrivate: boolean;
  /** One attempt: connecting, the response's headers and the bounded read of its body. */
  timeoutMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
  /** Attempts before a delivery is kept as failed. */
  maxAttempts: number;
  /** The wait after the first failed attempt, doubled after each one up to `retryMaxMs`, then jittered. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often an idle dispatcher looks for due deliveries (another process may have queued them). */
  pollMs: number;
  /** Days a succeeded or failed delivery stays listed before it is deleted. */
  retentionDays: number;
}

/** The change stream's pace and bounds; the stream counts are per process. */
export interface ChangeStreamLimits {
  heartbeatMs: number;
  pollMs: number;
  maxStreams: number;
  maxStreamsPerClient: number;
}

/** How long a client may take: node:http's requestTimeout, headersTimeout and keepAliveTimeout. */
interface Timeouts {
  requestMs: number;
  headersMs: number;
  keepAliveMs: number;
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

/** The URL of the listening address, for when PUBLIC_URL is not set. */
const originOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Reads the configuration from environment variables; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`invalid ${variable}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`invalid HEADERS_TIMEOUT_MS: ${e.HEADERS_TIMEOUT_MS} is longer than REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS})`);
  }
  if (e.WEBHOOK_RETRY_BASE_MS > e.WEBHOOK_RETRY_MAX_MS) {
    throw new ConfigError(`invalid WEBHOOK_RETRY_MAX_MS: ${e.WEBHOOK_RETRY_MAX_MS} is shorter than WEBHOOK_RETRY_BASE_MS (${e.WEBHOOK_RETRY_BASE_MS})`);
  }
  if (e.DATABASE_READ_URL !== undefined && engineOf(e.DATABASE_URL) !== 'postgres') {
    throw new ConfigError('invalid DATABASE_READ_URL: a read replica needs a PostgreSQL DATABASE_URL (postgres://…); SQLite reads its own file');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL ?? null,
    databasePoolMax: e.DATABASE_POOL_MAX,
    writeBatchMs: e.WRITE_BATCH_MS,
    apiTokens: e.API_TOKENS,
    seed: e.SEED,
    bodyLimit: e.BODY_LIMIT,
    trustProxy: e.TRUST_PROXY,
    publicUrl: e.PUBLIC_URL ?? originOf(e.HOST, e.PORT),
    cacheMaxAge: e.CACHE_MAX_AGE,
    cacheStaleWhileRevalidate: e.CACHE_STALE_WHILE_REVALIDATE,
    responseCacheBytes: e.RESPONSE_CACHE_MB * 2 ** 20,
    requireIfMatch: e.REQUIRE_IF_MATCH,
    corsOrigins: e.CORS_ORIGINS,
    rateLimitMax: e.RATE_LIMIT_MAX,
    rateLimitWriteMax: e.RATE_LIMIT_WRITE_MAX,
    rateLimitWindowSeconds: e.RATE_LIMIT_WINDOW,
    authFailureRateLimitMax: e.AUTH_FAILURE_RATE_LIMIT_MAX,
    timeouts: { requestMs: e.REQUEST_TIMEOUT_MS, headersMs: e.HEADERS_TIMEOUT_MS, keepAliveMs: e.KEEP_ALIVE_TIMEOUT_MS },
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_EVENT_LOOP_DELAY_MS,
      maxHeapUsedBytes: e.OVERLOAD_HEAP_USED_BYTES,
      maxRssBytes: e.OVERLOAD_RSS_BYTES,
      retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_S,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    workers: e.WORKERS,
    changeStream: {
      heartbeatMs: e.CHANGES_HEARTBEAT_MS,
      pollMs: e.CHANGES_POLL_MS,
      maxStreams: e.CHANGES_STREAMS_MAX,
      maxStreamsPerClient: e.CHANGES_STREAMS_PER_CLIENT,
    },
    webhooks: {
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      pollMs: e.WEBHOOK_POLL_MS,
      retentionDays: e.WEBHOOK_DELIVERY_RETENTION_DAYS,
    },
    trashRetentionDays: e.TRASH_RETENTION_DAYS,
  };
}
