import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { messageOf } from '../errors.js';
import { projectFile } from '../project-root.js';
import { DatabaseError } from './database.js';
import { refuseUnknownMigrations } from './migrations.js';
import { readInt8 } from './postgres-tables.js';
import { postgresSchemes } from './url.js';

/*
 * The PostgreSQL engine's connection and migrations (docs/postgresql.md); engine.ts serves on them when
 * DATABASE_URL is postgres:// or postgresql://.
 */

const postgresMigrationsFolder = projectFile('migrations/postgres');

/**
 * The session advisory lock nodes take to migrate, one at a time: the bytes of "khabar" read as a number. A node
 * that finds the lock held waits, then finds the migrations applied and applies nothing.
 */
export const migrationLockKey = 118_096_054_608_242;

/**
 * How long taking a pooled connection may wait, connecting or for one of the pool's to be free: a host that drops
 * packets would otherwise hold a request until the operating system gives up on the connection.
 */
export const connectionTimeoutMs = 10_000;

/**
 * How long a connection (pooled, or the change signal's listening one) idles before the kernel probes it (Node then
 * probes every 1 s, 10 times): a server gone without a word is noticed about 20 s after the last traffic, where the
 * system's default (7,200 s idle, then 9 probes 75 s apart) left other nodes' writes unheard for over two hours.
 */
export const keepAliveIdleMs = 10_000;

/**
 * How long closing the replica's pool waits for its connections to end before cutting the rest: a connection attempt
 * or a query that a silent replica holds would keep the close waiting for the connection timeout or the keepalive.
 */
const replicaCloseGraceMs = 250;

export interface PostgresOptions {
  /** The most connections the pool holds open (DATABASE_POOL_MAX). */
  max: number;
  /** How long a statement may run, and wait for a lock, before PostgreSQL cancels it. */
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** How long taking a connection may wait (`connectionTimeoutMs` unless given). */
  connectionTimeoutMs?: number;
  /**
   * Told of an error on an idle pooled connection (its server restarted, a network cut, an administrator's
   * pg_terminate_backend): the pool drops that connection and opens another when needed. Without a listener
   * node-postgres would throw it as an unhandled 'error' event and end the process.
   */
  onIdleError(error: Error): void;
}

export interface Postgres {
  db: NodePgDatabase;
  pool: pg.Pool;
  /** What start-up should say about the database as found: each a line for the log (none when all is well). */
  warnings: string[];
  /** Lets the queries under way finish, then closes every connection. */
  close(): Promise<void>;
}

/** The URL without its password or query, fit for an error message. */
function shown(url: URL): string {
  return `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`;
}

function parsePostgresUrl(text: string, variable: string): URL {
  if (!URL.canParse(text)) throw new DatabaseError(`invalid ${variable}: not a URL`);
  const url = new URL(text);
  if (!postgresSchemes.includes(url.protocol)) throw new DatabaseError(`invalid ${variable}: ${url.protocol} is not postgres:`);
  return url;
}

/**
 * A pool on the URL's database. int8 is read by this pool's own parsers (pg.types.setTypeParser would change every
 * pool and client in the process); the timeouts are sent with each connection's start-up, so every session has them.
 * `stream` makes each connection's socket, when the caller keeps them.
 */
function connectPool(url: URL, options: PostgresOptions, stream?: () => Socket): pg.Pool {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, readInt8);
  const pool = new pg.Pool({
    connectionString: url.href,
    max: options.max,
    types,
    statement_timeout: options.statementTimeoutMs,
    lock_timeout: options.lockTimeoutMs,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? connectionTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: keepAliveIdleMs,
    ...(stream ? { stream } : {}),
  });
  pool.on('error', options.onIdleError);
  // A connection cut under a checked-out client (a reset, no word from the server) is emitted on the client too,
  // where no pool listener hears it and it would end the process: the failed query reports it to its caller.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** The `created_at` of each migration the database records: none before its first migration. */
async function appliedMigrations(client: pg.PoolClient): Promise<number[]> {
  const { rows: tracked } = await client.query<{ found: boolean }>("select to_regclass('drizzle.__drizzle_migrations') is not null as found");
  if (!tracked[0]?.found) return [];
  const { rows } = await client.query<{ created_at: number }>('select created_at from drizzle.__drizzle_migrations order by created_at');
  return rows.map((row) => row.created_at);
}

/**
 * Applies the migrations the database lacks, holding the advisory lock so that nodes starting together apply each
 * once (drizzle's migrator alone would race to create its own table, then run the same migrations twice). A
 * database migrated by a newer khabar is refused, as on SQLite.
 */
async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    // Waiting for another node's migrations, or building an index on a large table, may outlast the pool's timeouts.
    await client.query('set statement_timeout = 0; set lock_timeout = 0');
    await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
    try {
      refuseUnknownMigrations(postgresMigrationsFolder, await appliedMigrations(client));
      await migrate(drizzle(client), { migrationsFolder: postgresMigrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    // Its settings are not the pool's any more: the connection is closed rather than reused.
    client.release(true);
  }
}

/**
 * pg_trgm takes a character into a trigram only if the database's LC_CTYPE calls it a letter or a digit: under `C`
 * (not `C.UTF-8`) Arabic letters give none, and `contains` then reads every row instead of the trigram index.
 */
async function trigramWarnings(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ trigrams: number | null; ctype: string }>("select array_length(show_trgm('داخلي'), 1) as trigrams, current_setting('lc_ctype') as ctype");
  const { trigrams, ctype } = rows[0]!;
  return (trigrams ?? 0) >= 3 ? [] : [`PostgreSQL's LC_CTYPE ${ctype} gives Arabic letters no trigrams: contains filters will read every row; create the database with a UTF-8 LC_CTYPE (C.UTF-8)`];
}

/** Opens a pool on a `postgres://` URL and applies pending migrations, as openDatabase does for SQLite. */
export async function openPostgres(text: string, options: PostgresOptions): Promise<Postgres> {
  const url = parsePostgresUrl(text, 'DATABASE_URL');
  const pool = connectPool(url, options);
  let warnings: string[];
  try {
    await migratePostgres(pool);
    warnings = await trigramWarnings(pool);
  } catch (error) {
    await pool.end();
    throw new DatabaseError(`cannot open database ${shown(url)}: ${messageOf(error)}`);
  }
  return { db: drizzle(pool), pool, warnings, close: () => pool.end() };
}

export interface ReadReplica {
  pool: pg.Pool;
  /**
   * Ends the pool, waiting at most `replicaCloseGraceMs` for its connections to close, then cutting the rest:
   * pg-pool's end waits for a connection attempt under way (up to the connection timeout) and for a query's answer,
   * which a silent replica never gives. Called once reads are over, when nothing uses what they would bring.
   */
  close(): Promise<void>;
}

/**
 * A pool on a read replica (DATABASE_READ_URL): nothing is migrated or checked there, and nothing is connected
 * yet, since a replica that cannot be reached sends reads to the primary rather than stopping start-up.
 */
export function openReadReplica(text: string, options: PostgresOptions): ReadReplica {
  const sockets = new Set<Socket>();
  const pool = connectPool(parsePostgresUrl(text, 'DATABASE_READ_URL'), options, () => {
    const socket = new Socket();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    return socket;
  });
  return {
    pool,
    async close() {
      const ended = pool.end();
      const closed = Promise.all([...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
      await Promise.race([Promise.all([ended, closed]), sleep(replicaCloseGraceMs, undefined, { ref: false })]);
      for (const socket of sockets) socket.destroy();
      await ended;
    },
  };
}
