import type { FastifyReply } from 'fastify';
import type { WriteTiming } from '../../core/resources/shared/record-service.js';

/**
 * Says in a `Server-Timing` header where a write's time went (see core/db/group-commit.ts): waiting for its
 * batch, in the batch's transaction, committing. The benchmark reads it; a browser's developer tools show it.
 */
export const serverTiming =
  (reply: FastifyReply) =>
  ({ queue, transaction, commit, batch }: WriteTiming) =>
    reply.header('server-timing', `queue;dur=${queue.toFixed(2)}, transaction;dur=${transaction.toFixed(2)};desc="${batch} writes", commit;dur=${commit.toFixed(2)}`);
