import { uuidv7 } from 'uuidv7';

/** Opaque, time-ordered record ids. */
export const newId = (): string => uuidv7();

/** ISO 8601 UTC timestamp with milliseconds. */
export const now = (): string => new Date().toISOString();
