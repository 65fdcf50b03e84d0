/** A day in milliseconds, for retention windows and key lifetimes. */
export const dayMs = 24 * 60 * 60 * 1000;

/** The ISO time `days` days before `at` (ms since the epoch): the cut-off of a retention window. */
export const isoDaysBefore = (at: number, days: number): string => new Date(at - days * dayMs).toISOString();
