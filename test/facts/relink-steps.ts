import type { RelinkWorker } from '../../src/core/facts/relink-jobs.js';

/** Steps until the worker has nothing to do; returns every article it relinked, in order. */
export async function runOut(worker: RelinkWorker): Promise<string[]> {
  const relinked: string[] = [];
  for (let step = await worker.step(); step !== null; step = await worker.step()) relinked.push(...step.relinked);
  return relinked;
}

/** What the workers did to one job: which of them (by index) stepped it, and the articles relinked, in order. */
interface JobRun {
  workers: Set<number>;
  relinked: string[];
}

/** Steps the workers in turn, one step each a round, until none has anything to do: what was done, by job id. */
export async function stepInTurn(workers: RelinkWorker[]): Promise<Map<number, JobRun>> {
  const byJob = new Map<number, JobRun>();
  for (let idle = 0; idle < workers.length; ) {
    idle = 0;
    for (const [i, worker] of workers.entries()) {
      const step = await worker.step();
      if (step === null) {
        idle++;
        continue;
      }
      const job = byJob.get(step.job) ?? { workers: new Set(), relinked: [] };
      job.workers.add(i);
      job.relinked.push(...step.relinked);
      byJob.set(step.job, job);
    }
  }
  return byJob;
}
