import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const requestIdHeader = 'x-request-id';

/** Short and made of characters that cannot forge a log line or a header: letters, digits and `-_.:+/=`. */
const safeRequestId = /^[A-Za-z0-9\-_.:+/=]{1,128}$/;

/** Fastify's genReqId: the client's X-Request-Id when it is safe to log and echo, else a new UUID. */
export function requestId(request: IncomingMessage): string {
  const sent = request.headers[requestIdHeader];
  return typeof sent === 'string' && safeRequestId.test(sent) ? sent : randomUUID();
}

/** Every response names its request id, the one every log line of the request carries. */
async function echoRequestId(app: FastifyInstance) {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(requestIdHeader, request.id);
    done();
  });
}

export default fp(echoRequestId, { name: 'request-id' });
