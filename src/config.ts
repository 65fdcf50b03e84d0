import { z } from 'zod';

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

const environment = z.object({
  PORT: optional(z.coerce.number().int().min(0).max(65535).default(3000)),
  HOST: optional(z.string().min(1).default('127.0.0.1')),
  LOG_LEVEL: optional(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  DATABASE_URL: optional(
    z
      .string()
      .regex(/^file:.+/, 'must start with file: (the only engine so far is SQLite)')
      .default('file:./data/khabar.db'),
  ),
  API_TOKENS: optional(z.string().default('').transform(parseTokens)),
  SEED: optional(z.enum(['auto', 'never']).default('auto')),
  BODY_LIMIT: optional(z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024)),
  TRUST_PROXY: optional(booleanFlag.default(false)),
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
  /** Server processes sharing the port and the database file (node:cluster); 1 runs no cluster. */
  workers: number;
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
    workers: e.WORKERS,
  };
}
