import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { everything, type Visibility } from '../../core/list/visibility.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * What this request's reads see: every article, or the public's at the moment it was first asked for
     * (awaited: the public's reads the publication schedule through the async seam).
     */
    visibility: Promise<Visibility>;
    /**
     * For a public read, what its answer follows from besides the URL: the database's change stamp read before
     * the data, and the next scheduled publication (the response cache's key); null for a reader who sees all.
     * Either is decided after the caches have caught up with every write committed before it was first asked for.
     */
    publicView: Promise<string | null>;
  }
}

/**
 * The one decision of who sees unpublished articles (drafts, archived, scheduled): a request whose token was
 * accepted (auth.ts sets its principal), whatever its role: preview mode is what the preview role is for.
 */
const readerSeesUnpublished = (request: FastifyRequest) => request.principal !== null;

interface VisibilityOptions {
  /** Resolves once no per-process cache holds what a write committed before the call made stale (services.catchUp). */
  catchUp: () => Promise<void>;
  /** The earliest scheduled publication after a moment, and the change stamp read (core/resources/articles/publication.ts). */
  schedule: (now: string) => Promise<{ changes: string; next: string | null }>;
  /** Milliseconds since the epoch: `Date.now`, or a test's clock. */
  clock: () => number;
}

interface Decision {
  visibility: Visibility;
  view: string | null;
}

const seesEverything: Decision = { visibility: everything, view: null };

/**
 * `request.visibility`, which the routes pass to the core and the caches key and bound their answers by: decided
 * on first use and kept for the request, so a request that reads no data never decides it (nor reads the schedule).
 */
async function visibility(app: FastifyInstance, options: VisibilityOptions) {
  const decided = new WeakMap<FastifyRequest, Promise<Decision>>();
  const decide = async (request: FastifyRequest): Promise<Decision> => {
    // Every data read decides this before its first cached value (the response cache, the core's memos): on
    // PostgreSQL another node's write may have committed before its notification reached this process.
    await options.catchUp();
    if (readerSeesUnpublished(request)) return seesEverything;
    const now = new Date(options.clock()).toISOString();
    const { changes, next } = await options.schedule(now);
    return { visibility: { audience: 'public', now, nextPublication: next, scheduledAt: changes }, view: `${changes} ${next ?? ''}` };
  };
  const decision = (request: FastifyRequest) => {
    let seen = decided.get(request);
    if (seen === undefined) {
      seen = decide(request);
      decided.set(request, seen);
    }
    return seen;
  };
  app.decorateRequest('visibility', {
    getter(this: FastifyRequest) {
      return decision(this).then(({ visibility }) => visibility);
    },
  });
  app.decorateRequest('publicView', {
    getter(this: FastifyRequest) {
      return decision(this).then(({ view }) => view);
    },
  });
}

export default fp(visibility, { name: 'visibility', dependencies: ['bearer-auth'] });
