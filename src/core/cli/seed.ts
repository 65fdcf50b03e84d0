import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { connectionExecutors } from '../db/sqlite-write.js';
import { messageOf } from '../errors.js';
import { createRepositories } from '../resources/index.js';
import { seedDatabase } from '../seed/seed.js';

/** `npm run seed`: loads the source document's records into the configured database (idempotent). */
try {
  const database = openDatabase(loadConfig().databaseUrl);
  const { article } = await seedDatabase(connectionExecutors(database.sqlite), createRepositories());
  database.close();
  process.stdout.write(`seeded: article ${article.slug}\n`);
} catch (error) {
  process.stderr.write(`khabar seed: ${messageOf(error)}\n`);
  process.exit(1);
}
