import { z } from 'zod';
import type { FieldError, ProblemCode } from '../../core/errors.js';

export const problemMediaType = 'application/problem+json';

/** The HTTP status and title of each error code: the one place the core's failures meet HTTP. */
export const problemCodes = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_body: { status: 400, title: 'The request body cannot be read' },
  malformed_request: { status: 400, title: 'The request is not valid HTTP' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  forbidden: { status: 403, title: "The token's role does not allow this request" },
  not_found: { status: 404, title: 'No such record' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'The method is not allowed on this resource' },
  not_acceptable: { status: 406, title: 'None of the accepted media types is offered' },
  slug_taken: { status: 409, title: 'The slug is already in use' },
  in_use: { status: 409, title: 'The record is still referenced' },
  limit_reached: { status: 409, title: 'The most records of this kind are stored' },
  idempotency_key_in_flight: { status: 409, title: 'A request with this idempotency key is still being processed' },
  request_timeout: { status: 408, title: 'The request was not received in time' },
  precondition_failed: { status: 412, title: 'The record has changed since the given ETag' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  unknown_reference: { status: 422, title: 'A referenced record does not exist' },
  invalid_reference: { status: 422, title: 'A reference is not allowed' },
  idempotency_key_reused: { status: 422, title: 'The idempotency key was used for a different request' },
  precondition_required: { status: 428, title: 'An If-Match header is required' },
  too_many_requests: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'The request headers are too large' },
  internal_error: { status: 500, title: 'Internal server error' },
  overloaded: { status: 503, title: 'The server is overloaded; retry later' },
} as const satisfies Record<ProblemCode, { status: number; title: string }>;

/** RFC 9457 problem details, the one error envelope of the API. */
const problemSchema = z
  .object({
    type: z.string().meta({ example: 'urn:khabar:problem:not_found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(problemCodes) as [ProblemCode, ...ProblemCode[]]),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export type Problem = z.infer<typeof problemSchema>;

export function problem(code: ProblemCode, detail: string, errors?: FieldError[]): Problem {
  const { status, title } = problemCodes[code];
  return { type: `urn:khabar:problem:${code}`, title, status, detail, code, ...(errors ? { errors } : {}) };
}

/** Response schemas for the error statuses a route can answer, for the serializer and the OpenAPI document. */
export function problemResponses<S extends number>(...statuses: S[]) {
  const content = { [problemMediaType]: { schema: problemSchema } };
  return Object.fromEntries(
    statuses.map((status) => {
      const titles = Object.values(problemCodes)
        .filter((c) => c.status === status)
        .map((c) => c.title);
      return [status, { description: titles.join('; '), content }];
    }),
  ) as Record<S, { description: string; content: typeof content }>;
}
