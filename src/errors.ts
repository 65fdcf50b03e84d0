/**
 * Every failure khabar reports has a stable code. The HTTP layer maps codes to statuses
 * (src/http/problem.ts); the core only says what went wrong.
 */
export const problemCodes = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  malformed_body: { status: 400, title: 'The request body cannot be read' },
  unauthorized: { status: 401, title: 'A valid bearer token is required' },
  not_found: { status: 404, title: 'No such record' },
  route_not_found: { status: 404, title: 'No such route' },
  slug_taken: { status: 409, title: 'The slug is already in use' },
  in_use: { status: 409, title: 'The record is still referenced' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported content type' },
  unknown_reference: { status: 422, title: 'A referenced record does not exist' },
  invalid_reference: { status: 422, title: 'A reference is not allowed' },
  too_many_requests: { status: 429, title: 'Too many requests' },
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
