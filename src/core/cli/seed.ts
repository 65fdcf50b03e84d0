import { loadConfig } from '../config.js';
import { messageOf } from '../errors.js';
import { seedDatabase } from '../seed/seed.js';
import { openToolDatabase } from './tool-database.js';

/** `npm run seed`: loads the source document's records into the configured database (idempotent). */
try {
  const database = await openToolDatabase(loadConfig().databaseUrl);
  const { article } = await seedDatabase(database, database.repositories);
  await database.close();
  process.stdout.write(`seeded: article ${article.slug}\n`);
} catch (error) {
  process.stderr.write(`khabar seed: ${messageOf(error)}\n`);
  process.exit(1);
}
