import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { messageOf } from '../errors.js';
import { isEmpty } from '../seed/seed.js';
import { loadSyntheticData, postLoadSteps } from '../seed/synthetic.js';
import { openToolDatabase } from './tool-database.js';

const count = (value: string | undefined, name: string, fallback: number): number => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, not ${value}`);
  return n;
};

/**
 * `npm run seed:synthetic -- --articles 100000 --people 20000 --organisations 2000 --meetings 20000 --seed 42`:
 * a reproducible synthetic data set in the configured (empty) database, for benchmarks and load tests.
 */
try {
  const { values } = parseArgs({
    options: {
      articles: { type: 'string' },
      people: { type: 'string' },
      organisations: { type: 'string' },
      meetings: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const options = {
    articles: count(values.articles, 'articles', 1000),
    people: count(values.people, 'people', 200),
    organisations: count(values.organisations, 'organisations', 50),
    meetings: count(values.meetings, 'meetings', 200),
    seed: count(values.seed, 'seed', 1),
  };
  const { databaseUrl } = loadConfig();
  const database = await openToolDatabase(databaseUrl);
  if (!(await isEmpty(database.reads))) {
    await database.close();
    throw new Error('the database already has records: point DATABASE_URL at a new file or database');
  }
  const started = performance.now();
  const loaded = await loadSyntheticData(database, options);
  await database.close();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const steps = postLoadSteps.map((step) => step.name).join(', ') || 'none';
  process.stdout.write(`synthetic data (seed ${options.seed}) in ${seconds} s: ${JSON.stringify(loaded)}; post-load steps: ${steps}\n`);
} catch (error) {
  process.stderr.write(`khabar seed:synthetic: ${messageOf(error)}\n`);
  process.exit(1);
}
