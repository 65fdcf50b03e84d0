import { loadConfig } from '../config.js';
import { backupDatabase } from '../db/backup.js';

/** `npm run backup -- <file>`: a consistent online copy of the configured database, safe while the server runs. */
try {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npm run backup -- <file>');
  const { pages } = await backupDatabase(loadConfig().databaseUrl, file);
  process.stdout.write(`backed up ${pages} pages to ${file}\n`);
} catch (error) {
  process.stderr.write(`khabar backup: ${(error as Error).message}\n`);
  process.exit(1);
}
