import type pg from 'pg';
import { KhabarError } from '../errors.js';

/** pg-pool's error when no connection came free within `connectionTimeoutMillis`; it gives no code. */
const checkoutTimedOut = 'timeout exceeded when trying to connect';

/**
 * A pooled connection. When every connection stayed taken by work under way for the pool's whole connection
 * timeout, the server is overloaded, which a client may retry (503), not at fault (500).
 */
export async function takeConnection(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    if (error instanceof Error && error.message === checkoutTimedOut) throw new KhabarError('overloaded', 'no database connection came free in time; retry later');
    throw error;
  }
}
