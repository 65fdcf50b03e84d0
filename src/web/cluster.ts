import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/config.js';
import { openServices } from '../core/services.js';

/** The primary of `WORKERS=N`: true in the process that should supervise rather than serve. */
export const isClusterPrimary = (config: Config) => config.workers > 1 && cluster.isPrimary;

/** Migrates and seeds once, before any worker opens the database, so workers never race to do it. */
async function prepareDatabase(config: Config) {
  if (config.databaseUrl === 'file::memory:') throw new ConfigError('invalid WORKERS: more than one worker needs a database file');
  const services = await openServices(config.databaseUrl, { poolMax: config.databasePoolMax, writeBatchMs: config.writeBatchMs });
  try {
    await services.prepare(config.seed);
  } finally {
    await services.close();
  }
}

/**
 * Forks `config.workers` processes that each build the app and listen on the shared port (node:cluster
 * hands connections out), all on one SQLite file in WAL mode or one PostgreSQL database (each worker with its own
 * pool and change signal, as a node). SIGTERM/SIGINT are passed on to every worker,
 * each closes gracefully, and the primary exits 0 when they have. A worker that dies on its own takes the
 * others down and the primary exits with its code, so a supervisor restarts the whole set.
 */
export async function superviseWorkers(config: Config) {
  await prepareDatabase(config);
  const workers: Worker[] = Array.from({ length: config.workers }, () => cluster.fork());
  let stopping = false;
  const stopAll = () => {
    for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGTERM');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      stopping = true;
      stopAll();
    });
  }
  cluster.on('exit', (worker, code) => {
    if (!stopping) {
      process.stderr.write(`khabar: worker ${worker.process.pid} exited with code ${code}; stopping the others\n`);
      stopping = true;
      process.exitCode = code || 1;
      stopAll();
    }
    if (workers.every((w) => w.isDead())) process.exit();
  });
}
