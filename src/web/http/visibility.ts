import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { everything, type Visibility } from '../../core/list/visibility.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** What this request's reads see: every article, or the public's at the moment it arrived. */
    visibility: Visibility;
    /**
     * For a public read, what its answer follows from besides the URL: the database's change stamp read before
     * the data, and the next scheduled publication (the response cache's key); null for a reader who sees all.
     */
    publicView: string | null;
  }
}

/**
 * The one decision of who sees unpublished articles (drafts, archived, scheduled): a request whose token was
 * accepted (auth.ts sets its principal), whatever its role: preview mode is what the preview role is for.
 */
const readerSeesUnpublished = (request: FastifyRequest) => request.principal !== null;

interface VisibilityOptions {
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
 * before the first preHandler hook that may read it (the response cache) and kept for the request. The public's
 * needs the schedule, read through the async seam; a token's needs no read.
 */
async function visibility(app: FastifyInstance, options: VisibilityOptions) {
  const decided = new WeakMap<FastifyRequest, Decision>();
  app.addHook('preHandler', (request, _reply, done) => {
    if (readerSeesUnpublished(request)) {
      decided.set(request, seesEverything);
      return done();
    }
    const now = new Date(options.clock()).toISOString();
    options.schedule(now).then(({ changes, next }) => {
      decided.set(request, { visibility: { audience: 'public', now, nextPublication: next }, view: `${changes} ${next ?? ''}` });
      done();
    }, done);
  });
  const decision = (request: FastifyRequest) => {
    const seen = decided.get(request);
    if (seen === undefined) throw new Error('request.visibility is decided by a preHandler hook: read it in a handler or a later hook');
    return seen;
  };
  app.decorateRequest('visibility', {
    getter(this: FastifyRequest) {
      return decision(this).visibility;
    },
  });
  app.decorateRequest('publicView', {
    getter(this: FastifyRequest) {
      return decision(this).view;
    },
  });
}

export default fp(visibility, { name: 'visibility', dependencies: ['bearer-auth'] });
