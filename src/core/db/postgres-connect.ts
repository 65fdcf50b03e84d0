import type pg from 'pg';
import { KhabarError } from '../errors.js';

/**
 * Whether an error is pg-pool's when no connection came free within `connectionTimeoutMillis`. It gives no code, so
 * its text is matched; test/db/postgres-write.test.ts provokes it and fails, naming the text, if pg-pool changes it.
 * A connection that timed out while connecting is worded otherwise: the server is unreachable, not overloaded.
 */
export const checkoutTimedOut = (error: unknown): boolean => error instanceof Error && error.message === 'timeout exceeded when trying to connect';

/**
 * A pooled connection. When every connection stayed taken by work under way for the pool's whole connection
 * timeout, the server is overloaded, which a client may retry (503), not at fault (500).
 */
export async function takeConnection(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    if (checkoutTimedOut(error)) throw new KhabarError('overloaded', 'no database connection came free in time; retry later');
    throw error;
  }
}
