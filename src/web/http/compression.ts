import compress from '@fastify/compress';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { codedTag } from './etag.js';

/** A compressed response names its coding in its ETag (see codedTag). */
function tagCoding(_request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload: unknown) => void) {
  const coding = reply.getHeader('content-encoding');
  const etag = reply.getHeader('etag');
  if ((coding === 'br' || coding === 'gzip') && typeof etag === 'string' && etag.startsWith('"')) reply.header('etag', codedTag(etag, coding));
  done(null, payload);
}

/** br or gzip, as Accept-Encoding asks, for bodies of 1 KB and more; smaller ones are not worth the CPU. */
async function compression(app: FastifyInstance) {
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  // @fastify/compress compresses in a route-level onSend hook that it adds as each route is declared; this
  // one is added after it, so it sees the coding.
  app.addHook('onRoute', (route) => {
    route.onSend = [...(route.onSend === undefined ? [] : [route.onSend].flat()), tagCoding];
  });
}

export default fp(compression, { name: 'compression', dependencies: ['conditional-get'] });
