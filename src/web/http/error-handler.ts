import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type FieldError, KhabarError, type ProblemCode } from '../../core/errors.js';
import { type Problem, problem, problemMediaType } from './problem.js';

/** Fastify's own client-error codes, mapped to ours. */
const fastifyCodes: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_body',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed_body',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'validation_failed',
  FST_ERR_MAX_PARAM_LENGTH: 'validation_failed',
};

function validationProblem(error: FastifyError): Problem {
  const issues = hasZodFastifySchemaValidationErrors(error) ? error.validation : [];
  const errors: FieldError[] = issues.map((issue) => ({
    path: [error.validationContext, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
    message: issue.message ?? 'invalid',
  }));
  return problem('validation_failed', `invalid ${error.validationContext ?? 'request'}: ${errors[0]?.message ?? error.message}`, errors);
}

/** The Retry-After of a 503 that names no wait of its own (a write that waited too long for the database): a write lock is held for milliseconds. */
const overloadedRetryAfterSeconds = 1;

/** Turns anything thrown into a problem document; only a fault of ours is a 5xx. */
function toProblem(error: unknown): Problem {
  if (error instanceof KhabarError) return problem(error.code, error.message, error.errors);
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationProblem(fastifyError);
  const mapped = fastifyCodes[fastifyError.code ?? ''];
  if (mapped) return problem(mapped, fastifyError.message);
  const status = fastifyError.statusCode ?? 500;
  if (status === 429) return problem('too_many_requests', fastifyError.message);
  if (status >= 400 && status < 500) return problem('malformed_body', fastifyError.message);
  return problem('internal_error', 'an unexpected error occurred; it has been logged');
}

function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(problemMediaType).send(body);
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const { errors, ...body } = toProblem(error);
  if (body.status === 503 && !reply.hasHeader('retry-after')) reply.header('Retry-After', String(overloadedRetryAfterSeconds));
  if (body.status >= 500) request.log.error({ err: error }, 'request failed');
  // Keys in the Problem schema's order, whether a route's response schema or plain JSON writes the body.
  return sendProblem(reply, { ...body, instance: request.url, ...(errors ? { errors } : {}) });
}

/** For Fastify's `frameworkErrors` option: URLs the router cannot read (bad escapes, overlong parameters). */
export const frameworkErrors = handleError;

/** What node:http reports before a request exists (unparsable request lines and headers, timeouts), by its code. */
function clientProblem(error: ConnectionError): Problem {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return problem('request_timeout', 'the request was not complete within the request timeout');
  if (error.code === 'HPE_HEADER_OVERFLOW') return problem('headers_too_large', 'the request headers are larger than the server accepts');
  return problem('malformed_request', `the request line or headers cannot be parsed (${error.code})`);
}

/** The socket node:http hands a client error, with the response it is writing, if any (Node's own handler reads it). */
type ClientSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * For Fastify's `clientErrorHandler` option: the problem document written straight to the socket, which is
 * then closed (Fastify's default answers plain JSON). The raw packet is never logged: it may hold a token.
 * Like Node's default, nothing is written once a response has begun (a pipelined request after it): the
 * bytes would land inside that response.
 */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: ClientSocket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ code: error.code }, 'client error');
  answerOnSocket(socket, clientProblem(error));
}

/** Writes `answer` straight to the socket, unless a response has begun on it, and closes it: for what never becomes a request. */
export function answerOnSocket(socket: ClientSocket, answer: Problem) {
  const { status } = answer;
  const body = JSON.stringify(answer);
  if (socket.writable && !socket._httpMessage?.headersSent) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${problemMediaType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}

async function errorHandlers(app: FastifyInstance) {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => sendProblem(reply, { ...problem('route_not_found', `no route ${request.method} ${request.url}`), instance: request.url }));
}

export default fp(errorHandlers, { name: 'error-handler' });
