import { AsyncLocalStorage } from 'node:async_hooks';
import { formatWalPosition, parseWalPosition, type WalPosition } from './postgres-wal-position.js';

/*
 * Read-your-writes across nodes on PostgreSQL (docs/postgresql.md, the read replica): a request's reads must see
 * the position its client sent back from an earlier write, and its own writes' positions are given to the client.
 * The request's scope travels with its asynchronous work, so the engine's reads and writes find it without every
 * call in between passing it on.
 */

/** What one request carries through the core. */
export interface PositionScope {
  /** The position the client sent: every read of the request must see it; null when it sent none. */
  readonly after: WalPosition | null;
  /** The position after the request's last committed write; null until it writes. */
  written: WalPosition | null;
}

const scopes = new AsyncLocalStorage<PositionScope>();

/** The scope of the request whose work is running; none for a background job's. */
export const currentScope = (): PositionScope | undefined => scopes.getStore();

/**
 * Runs `run` outside any request's scope: what it starts (a background job's next look, a timer it arms) must not
 * carry the request's position into its reads, nor its writes into the request's answer.
 */
export const outsideRequests = (run: () => void) => scopes.exit(run);

/** Notes a write committed at `position` in `scope`. */
export function recordWrite(scope: PositionScope | undefined, position: WalPosition) {
  if (scope !== undefined && (scope.written === null || position > scope.written)) scope.written = position;
}

/** Positions as the web layer handles them (through openServices): text a client holds and sends back, opaque to it. */
export const readPositions = {
  /** The position a client sent (an LSN as PostgreSQL writes it, `16/B374D848`), or null when the text is not one. */
  parse: parseWalPosition,
  format: formatWalPosition,
  /** A request's scope, whose reads must see `after`. */
  scope: (after: WalPosition | null): PositionScope => ({ after, written: null }),
  /** Runs `next`, and the work it starts (the rest of the request), within `scope`. */
  within(scope: PositionScope, next: () => void) {
    scopes.run(scope, next);
  },
};

export type ReadPositions = typeof readPositions;
