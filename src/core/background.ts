import { runAnnounceLoop } from './changes/announce-loop.js';
import { announcePublications, nextPublicationDue } from './changes/publications.js';
import type { WebhookLimits } from './config.js';
import { type BackgroundWorker, runBackgroundLoop } from './db/background-loop.js';
import type { CommitNotices } from './db/commit-notices.js';
import type { EngineWrites } from './db/engine.js';
import type { StatementExecutor } from './db/statements.js';
import type { JobExecutors } from './facts/relink-jobs.js';
import { type JobLog, jobFailureLog } from './job-failures.js';
import type { Repositories } from './resources/index.js';
import { isoDaysBefore } from './time.js';
import { purgeExpired, trashPurgeBatch } from './trash/purge.js';
import { runDispatcher } from './webhooks/dispatcher.js';
import { claimDeliveries, nextDue, releaseDelivery, settleDelivery } from './webhooks/outbox.js';
import { httpSender } from './webhooks/sender.js';
import { pruneSettledDeliveries } from './webhooks/store.js';

// The retention jobs (trash, settled webhook deliveries): how often an idle job looks, and the deliveries deleted a statement.
const retentionIdleMs = 60_000;
const deliveryPruneBatch = 50;
// The engine's upkeep: a look at most this often, soon after a commit told.
const upkeepIdleMs = 1_000;

export interface BackgroundOptions {
  /** Milliseconds since the epoch: what publications come due and retention is judged by. */
  clock: () => number;
  /** Days a trashed record is kept (TRASH_RETENTION_DAYS). */
  trashRetentionDays: number;
  webhooks: WebhookLimits;
  /** Where a job's failures go, a line per outage rather than per retry (job-failures.ts); the job carries on after its wait. */
  log: JobLog;
}

/** A retention job: deletes a batch of what has expired at the clock's moment, the number deleted (0: nothing left). */
const retention = (deleteExpired: () => Promise<number>): BackgroundWorker => ({
  async step() {
    return (await deleteExpired()) || null;
  },
  async release() {},
});

/**
 * Starts what a server process does besides answering requests, each through promises so that an engine whose
 * queries are asynchronous can serve it: relinking after name changes, announcing scheduled publications, sending
 * webhook deliveries, and the retention jobs. Resolves once the first announcement turn has run (what came due
 * while the server was down is announced before it listens); `stop` resolves when every job has stopped.
 * `repositories` are the write connection's. No job opens a transaction of its own: each reads first (`reads`), so
 * an idle job takes no write lock, and each of its transactions is a write of group commit (`tx`), which awaits
 * another process's write lock without stopping the event loop. Where commits are told (`notices`, PostgreSQL's change
 * signal), the jobs a write may give work (the name index, relinking, the dispatcher) look after one rather than poll.
 */
export async function startBackgroundWork(
  repositories: Repositories,
  { writes, reads, notices, upkeep }: { writes: EngineWrites; reads: StatementExecutor; notices: CommitNotices; upkeep: BackgroundWorker | null },
  { clock, trashRetentionDays, webhooks, log }: BackgroundOptions,
) {
  const failures = jobFailureLog(log);
  const { relinkJobs, publications } = repositories;
  // The relink jobs' claims and releases pass over what other nodes hold (EngineWrites.claim); a batch is a write.
  const jobs: JobExecutors = { reads, write: (body) => writes.run(body), claim: (body) => writes.claim(body), giveBack: (body) => writes.giveBack(body) };
  // Relinks articles after name changes (core/facts/relink-jobs.ts).
  const relinking = runBackgroundLoop(relinkJobs.worker(jobs), { notices, ...failures('relinking') });
  // Builds entity linking's name index at start and whenever another process changed names, a page of names a step,
  // and links again the articles a write linked while it was behind (core/facts/index.ts). Relinking waits for the
  // first build, which is no commit: each step of the build tells it to look.
  const nameIndexWorker = repositories.nameIndexWorker(jobs);
  const naming = runBackgroundLoop(
    {
      async step() {
        const done = await nameIndexWorker.step();
        if (done !== null) relinking.poke();
        return done;
      },
      release: () => nameIndexWorker.release(),
    },
    { notices, ...failures('building the name index') },
  );
  // Appends the `published` event of each scheduled article as it comes due (core/changes/publications.ts).
  const announcing = runAnnounceLoop(
    { announceDue: () => announcePublications({ reads, write: (body) => writes.run(body) }, clock), nextDue: () => nextPublicationDue(reads), onScheduled: publications.onScheduled },
    { clock, ...failures('announcing scheduled publications') },
  );
  // Sends the queued deliveries, outside every write (core/webhooks/dispatcher.ts).
  const { allowPrivate, retentionDays, ...deliveryLimits } = webhooks;
  const dispatching = runDispatcher({
    store: {
      nextDue: () => nextDue(reads),
      claim: (limit, at, leaseUntil) => writes.claim((tx) => claimDeliveries(tx, limit, at, leaseUntil)),
      settle: (delivery, outcome) => writes.claim((tx) => settleDelivery(tx, delivery, outcome)),
      release: (delivery, at) => writes.giveBack((tx) => releaseDelivery(tx, delivery, at)),
    },
    notices,
    send: httpSender({ timeoutMs: deliveryLimits.timeoutMs, allowPrivate }),
    limits: deliveryLimits,
    ...failures('webhook dispatch'),
  });
  // Purges what has been in the trash longer than TRASH_RETENTION_DAYS, a batch per write of group commit, after a
  // read that finds one due (core/trash/purge.ts).
  const purging = runBackgroundLoop(
    retention(() => purgeExpired({ reads, write: (body) => writes.run(body) }, clock(), trashRetentionDays, trashPurgeBatch)),
    { idleMs: retentionIdleMs, ...failures('purging the trash') },
  );
  // Deletes deliveries settled more than WEBHOOK_DELIVERY_RETENTION_DAYS ago, a batch per statement.
  const pruning = runBackgroundLoop(
    retention(() => pruneSettledDeliveries({ reads, write: (body) => writes.run(body) }, isoDaysBefore(clock(), retentionDays), deliveryPruneBatch)),
    { idleMs: retentionIdleMs, ...failures('deleting old webhook deliveries') },
  );
  // What the engine's indexes need between writes (core/db/engine.ts), after commits rather than inside them.
  const upkeeping = upkeep && runBackgroundLoop(upkeep, { idleMs: upkeepIdleMs, notices, ...failures("the database's index upkeep") });
  await announcing.first;
  return {
    async stop() {
      await Promise.all([naming.stop(), announcing.stop(), relinking.stop(), dispatching.stop(), purging.stop(), pruning.stop(), upkeeping?.stop()]);
    },
  };
}
