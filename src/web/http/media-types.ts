import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';

export const jsonMediaType = 'application/json';
export const mergePatchMediaType = 'application/merge-patch+json';

/** What a PATCH route accepts (RFC 7396 merge patch, or the same document sent as plain JSON). */
export const patchMediaTypes = [mergePatchMediaType, jsonMediaType];

/**
 * A route that declares `consumes` (which @fastify/swagger also puts in the OpenAPI document) takes exactly those media types; any other gets 415 naming them
 * (and, on PATCH, the Accept-Patch header of RFC 5789). Runs before the body is read.
 */
async function mediaTypes(app: FastifyInstance) {
  app.addHook('onRequest', (request, reply, done) => {
    const accepted = request.routeOptions.schema?.consumes;
    const sent = request.headers['content-type'];
    if (!accepted || sent === undefined) return done();
    const mediaType = sent.split(';')[0]!.trim().toLowerCase();
    if (accepted.includes(mediaType)) return done();
    if (request.method === 'PATCH') reply.header('accept-patch', accepted.join(', '));
    throw new KhabarError('unsupported_media_type', `${request.method} takes ${accepted.join(' or ')}, not ${mediaType || 'an empty type'}`);
  });
}

export default fp(mediaTypes, { name: 'media-types', dependencies: ['bearer-auth'] });
