import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Characters from which a response body counts as large: a page of about 15 articles. */
export const largeBodyLength = 32 * 1024;

/**
 * Large response bodies go to the socket as Buffers. A page of 100 articles serialises to a string of
 * about 450 KB. When such a string survives a scavenge, V8 moves it to the old generation, and only a
 * full collection frees it. Paging through an archive at `limit=100` grew the heap by some 80 MB between
 * full collections. A Buffer holds its bytes outside the JS heap and frees them with the Buffer object,
 * which dies young. The UTF-8 encoding is the one the socket write would do anyway. Registered after the
 * hooks that read the body as text (idempotency stores it) and before compression, which takes either.
 */
async function largeBodies(app: FastifyInstance) {
  app.addHook('onSend', (_request, _reply, payload, done) => {
    done(null, typeof payload === 'string' && payload.length > largeBodyLength ? Buffer.from(payload) : payload);
  });
}

export default fp(largeBodies, { name: 'large-bodies' });
