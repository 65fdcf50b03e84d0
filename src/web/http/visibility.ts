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
  schedule: (now: string) => { changes: string; next: string | null };
  /** Milliseconds since the epoch: `Date.now`, or a test's clock. */
  clock: () => number;
}

/**
 * `request.visibility`, which the routes pass to the core and the caches key and bound their answers by: decided
 * on first use and kept for the request, so a request that reads no data never decides it.
 */
async function visibility(app: FastifyInstance, options: VisibilityOptions) {
  const decided = new WeakMap<FastifyRequest, { visibility: Visibility; view: string | null }>();
  const decide = (request: FastifyRequest) => {
    if (readerSeesUnpublished(request)) return { visibility: everything, view: null };
    const now = new Date(options.clock()).toISOString();
    const { changes, next } = options.schedule(now);
    return { visibility: { audience: 'public', now, nextPublication: next } satisfies Visibility, view: `${changes} ${next ?? ''}` };
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
