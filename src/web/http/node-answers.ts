import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { answerOnSocket } from './error-handler.js';
import { problem } from './problem.js';

/**
 * What node:http would answer itself, with no body, answered as problems: an HTTP/1.1 request without a Host header
 * (Node's 400, turned off in app.ts by `requireHostHeader: false`), an expectation other than 100-continue (Node's
 * 417; RFC 9110 lets a server ignore it, so the request is served as if it named none), and CONNECT, which names no
 * path (Node closes the socket unanswered).
 */
async function nodeAnswers(app: FastifyInstance) {
  app.addHook('onRequest', (request, _reply, done) => {
    // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request that lacks Host.
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) throw new KhabarError('malformed_request', 'an HTTP/1.1 request must have a Host header');
    done();
  });
  app.server.on('checkExpectation', (request, response) => app.server.emit('request', request, response));
  app.server.on('connect', (_request, socket: Socket) => answerOnSocket(socket, problem('malformed_request', 'CONNECT is not served here: this is no proxy')));
}

export default fp(nodeAnswers, { name: 'node-answers', dependencies: ['error-handler', 'security-headers', 'cors'] });
