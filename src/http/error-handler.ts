import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { KhabarError, type FieldError, type ProblemCode } from '../errors.js';
import { problem, problemMediaType, type Problem } from './problem.js';

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

/** Turns anything thrown into a problem document; only a fault of ours is a 5xx. */
export function toProblem(error: unknown): Problem {
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

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type(problemMediaType).send(body);
}

function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const body = toProblem(error);
  if (body.status >= 500) request.log.error({ err: error }, 'request failed');
  body.instance = request.url;
  return sendProblem(reply, body);
}

/** For Fastify's `frameworkErrors` option: URLs the router cannot read (bad escapes, overlong parameters). */
export const frameworkErrors = handleError;

async function errorHandlers(app: FastifyInstance) {
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { ...problem('route_not_found', `no route ${request.method} ${request.url}`), instance: request.url }),
  );
}

export default fp(errorHandlers, { name: 'error-handler' });
