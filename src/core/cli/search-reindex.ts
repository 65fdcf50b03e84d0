import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { connectionExecutors } from '../db/sqlite-write.js';
import { messageOf } from '../errors.js';
import { rebuildSearchIndex } from '../search/analyser-version.js';
import { fts5Index } from '../search/fts5-index.js';

/** `npm run search:reindex`: rebuilds the full-text and substring indices from the records (after an upgrade, or to repair them). */
try {
  const database = openDatabase(loadConfig().databaseUrl);
  const counts = await rebuildSearchIndex(connectionExecutors(database.sqlite), fts5Index);
  database.close();
  const summary = Object.entries(counts).map(([type, n]) => `${n} ${type}`);
  process.stdout.write(`search index rebuilt: ${summary.join(', ')}\n`);
} catch (error) {
  process.stderr.write(`khabar search:reindex: ${messageOf(error)}\n`);
  process.exit(1);
}
