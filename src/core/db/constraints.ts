import { KhabarError } from '../errors.js';

/** The kinds of constraint a write can break, whichever engine reports it; a NOT NULL column is a check on its value. */
export type ConstraintKind = 'unique' | 'foreign_key' | 'check';

// better-sqlite3's extended result codes, and PostgreSQL's SQLSTATEs (class 23, integrity constraint violation).
const kinds: Record<string, ConstraintKind> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'check',
  '23505': 'unique',
  '23503': 'foreign_key',
  '23514': 'check',
  '23502': 'check',
};

/** The driver's code of an error, or of the error it wraps (Drizzle wraps the driver's as its cause). */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('code' in error && typeof error.code === 'string') return error.code;
  return 'cause' in error ? errorCode(error.cause) : undefined;
}

/** The constraint an engine's error says a write broke; null for any other error. */
export function brokenConstraint(error: unknown): ConstraintKind | null {
  const code = errorCode(error);
  return code === undefined ? null : (kinds[code] ?? null);
}

/** What an engine's error says of the broken constraint, walking the errors it wraps: SQLite's message, PostgreSQL's constraint name. */
function constraintDetails(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const own = [error instanceof Error ? error.message : '', 'constraint' in error && typeof error.constraint === 'string' ? error.constraint : ''];
  return [...own, ...('cause' in error ? constraintDetails(error.cause) : [])];
}

/**
 * Whether a broken unique constraint is a record's slug, the only unique value a client writes: SQLite names the
 * column (`UNIQUE constraint failed: people.slug`), PostgreSQL the constraint (`people_slug_unique`).
 */
const isSlugTaken = (error: unknown) => constraintDetails(error).some((detail) => /\.slug$|_slug_unique$/.test(detail));

/** A write that waited for the lock longer than a write waits: `overloaded`, which a client may retry. */
export const heldTooLong = () => new KhabarError('overloaded', 'the database was held by other writes longer than a write waits; retry later');

/**
 * Whether a write gave up waiting for a lock another connection held: SQLite's busy timeout (any SQLITE_BUSY
 * variant) or PostgreSQL's `lock_timeout` (55P03). Not a fault of the request nor of the server's: a retry may pass.
 */
const waitedTooLong = (error: unknown) => {
  const code = errorCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code === '55P03');
};

/**
 * The problem a broken constraint is to the API, the same code on either engine: a taken slug; a missing
 * referenced row is the repositories' unknown reference (they check before writing, and a concurrent delete can
 * still win); a check is a value the schemas should have refused. Any other error, and a unique key the server
 * gives (a revision's number, a delivery's), is the error as it is: a fault of the server's, not of the request.
 * A lock waited for too long is `overloaded`, which a client may retry.
 */
export function problemOf(error: unknown): unknown {
  if (waitedTooLong(error)) return heldTooLong();
  switch (brokenConstraint(error)) {
    case 'unique':
      return isSlugTaken(error) ? new KhabarError('slug_taken', 'another record already has this slug', [{ path: 'slug', message: 'already in use' }]) : error;
    case 'foreign_key':
      return new KhabarError('unknown_reference', 'the write refers to a record that does not exist');
    case 'check':
      return new KhabarError('validation_failed', 'the write breaks a rule the stored records keep');
    case null:
      return error;
  }
}
