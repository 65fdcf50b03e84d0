import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Once closing has begun, responses to the requests still in flight say `Connection: close`, so their
 * keep-alive connections end with them and the process can exit instead of waiting for idle clients.
 */
async function shutdown(app: FastifyInstance) {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}

export default fp(shutdown, { name: 'shutdown' });
