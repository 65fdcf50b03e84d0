import { loadConfig } from '../config.js';
import { messageOf } from '../errors.js';
import { rebuildSearchIndex } from '../search/analyser-version.js';
import { openToolDatabase } from './tool-database.js';

/** `npm run search:reindex`: rebuilds the full-text and substring indices from the records (after an upgrade, or to repair them). */
try {
  const database = await openToolDatabase(loadConfig().databaseUrl);
  const counts = await rebuildSearchIndex(database, database.index);
  await database.close();
  const summary = Object.entries(counts).map(([type, n]) => `${n} ${type}`);
  process.stdout.write(`search index rebuilt: ${summary.join(', ')}\n`);
} catch (error) {
  process.stderr.write(`khabar search:reindex: ${messageOf(error)}\n`);
  process.exit(1);
}
