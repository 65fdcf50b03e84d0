import { type SQL, sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Dialect } from '../db/dialect.js';
import { matchingIds } from './matching.js';
import { postgresMatchingIds } from './postgres-matching.js';
import { anyPhraseQuery } from './postgres-query.js';
import { matchAnyExpression } from './query.js';

/**
 * The records of one type whose title or body holds any of some texts, each a phrase of its words as written
 * (normalised, not stemmed), in the engine's own index: FTS5's MATCH on SQLite, the written words' tsvectors on
 * PostgreSQL. `condition` tests a record's id against the value bound as `match`, which `match` makes of the texts
 * (null when no text has a word: nothing holds them).
 */
export interface ContainingAny {
  condition(id: SQLiteColumn): SQL;
  match(texts: string[]): string | null;
}

const match = sql.placeholder('match');

const onEngine: Record<Dialect['name'], (type: string) => ContainingAny> = {
  sqlite: (type) => ({ condition: (id) => matchingIds(id, match), match: (texts) => matchAnyExpression(texts, [type]) }),
  postgres: (type) => ({ condition: (id) => postgresMatchingIds(id, type, match), match: anyPhraseQuery }),
};

export const containingAny = (dialect: Dialect, type: string): ContainingAny => onEngine[dialect.name](type);
