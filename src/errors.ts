/**
 * Every failure khabar reports has a stable code. The HTTP layer maps codes to statuses
 * (src/http/problem.ts); the core only says what went wrong.
 */
export const problemCodes = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_body: { status: 400, title: 'The request body cannot be read' },
  malformed_request: { status: 400, title: 'The request is not valid HTTP' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  not_found: { status: 404, title: 'No such record' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'The method is not allowed on this resource' },
  not_acceptable: { status: 406, title: 'None of the accepted media types is offered' },
  slug_taken: { status: 409, title: 'The slug is already in use' },
  in_use: { status: 409, title: 'The record is still referenced' },
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
} as const;

export type ProblemCode = keyof typeof problemCodes;

export interface FieldError {
  path: string;
  message: string;
}

export class KhabarError extends Error {
  override name = 'KhabarError';
  constructor(
    readonly code: ProblemCode,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

/** Field errors from zod issues, with dotted paths (`affiliations.0.organisation_id`). */
export function fieldErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix?: string): FieldError[] {
  return issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}
