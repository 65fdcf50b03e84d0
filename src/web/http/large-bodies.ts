import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Characters from which a response body counts as large: a page of about 15 articles. */
export const largeBodyLength = 32 * 1024;

/** The form a body goes to the socket in: a large string as its UTF-8 bytes, anything else as it is. */
export const sentForm = <T>(payload: T): T | Buffer => (typeof payload === 'string' && payload.length > largeBodyLength ? Buffer.from(payload) : payload);

/**
 * Large response bodies go to the socket as Buffers: a large string that survives a scavenge stays in the
 * old generation until a full collection, while a Buffer's bytes live outside the JS heap and die young
 * (figures in docs/performance.md). The UTF-8 encoding is the one the socket write would do anyway. Registered after the
 * hooks that read the body as text (idempotency stores it) and before compression, which takes either; a hook
 * before it that hashes the bytes (conditional-get) encodes them with `sentForm` and hands the Buffer on.
 */
async function largeBodies(app: FastifyInstance) {
  app.addHook('onSend', (_request, _reply, payload, done) => {
    done(null, sentForm(payload));
  });
}

export default fp(largeBodies, { name: 'large-bodies' });
