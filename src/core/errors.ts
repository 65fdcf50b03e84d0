/**
 * Every failure khabar reports has a stable code; the core only says what went wrong. The web layer maps
 * each code to an HTTP status and title (src/web/http/problem.ts).
 */
export type ProblemCode =
  | 'validation_failed'
  | 'malformed_body'
  | 'malformed_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'not_acceptable'
  | 'slug_taken'
  | 'in_use'
  | 'limit_reached'
  | 'idempotency_key_in_flight'
  | 'request_timeout'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unknown_reference'
  | 'invalid_reference'
  | 'idempotency_key_reused'
  | 'precondition_required'
  | 'too_many_requests'
  | 'headers_too_large'
  | 'internal_error'
  | 'overloaded';

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

/** What a caught value says went wrong: an Error's message, or the value itself written out. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
