import { readFileSync } from 'node:fs';

/** The committed change count a notification advances (postgres-change-signal.ts), as its migration makes it: for tests that signal on an unmigrated database. */
export const changeCountTable = readFileSync(new URL('../../migrations/postgres/0007_change_count.sql', import.meta.url), 'utf8');
