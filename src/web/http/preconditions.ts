import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import type { WriteOptions } from '../../core/resources/shared/record-service.js';
import { recordEtag, strongMatch } from './etag.js';
import { serverTiming } from './server-timing.js';
import { traitsOf } from './traits.js';

/**
 * A write's options: the token's name as its writer, its time in Server-Timing, and its If-Match as the
 * condition the core checks against the stored record inside the write's transaction (412 with the current ETag
 * when it is stale), which returns the version the write must still find, so that of several writes made with
 * the same ETag exactly one succeeds. No If-Match: an unconditional write.
 */
export function writeOptions(request: FastifyRequest, reply: FastifyReply): WriteOptions {
  const ifMatch = request.headers['if-match'];
  const options = { writer: request.principal!.name, observe: serverTiming(reply) };
  if (ifMatch === undefined) return options;
  return {
    ...options,
    condition(load) {
      const current = load();
      const etag = recordEtag(current)!;
      if (!strongMatch(ifMatch, etag)) {
        reply.header('etag', etag);
        throw new KhabarError('precondition_failed', `the record has changed: its current ETag is ${etag}`);
      }
      return { expectedVersion: current.version };
    },
  };
}

/** With REQUIRE_IF_MATCH, a write that declares `traits.conditionalWrite` without If-Match is refused (428) before anything is read. */
async function requireIfMatch(app: FastifyInstance, options: { required: boolean }) {
  if (!options.required) return;
  app.addHook('preValidation', (request, _reply, done) => {
    if (!traitsOf(request).conditionalWrite || request.headers['if-match'] !== undefined) return done();
    throw new KhabarError('precondition_required', 'send If-Match with the ETag of the record you are changing (GET it first)');
  });
}

export default fp(requireIfMatch, { name: 'preconditions' });
