import { fieldErrors, KhabarError } from '../../errors.js';
import type { Resource } from './declaration.js';
import { mergePatch } from './merge-patch.js';

/**
 * A record's fields, with a merge patch applied, as a write body validated as a POST's would be: for a PATCH,
 * and (with no patch) for a revision put back. The server's own fields are left out; `what` names the body in the message.
 */
export function writeBodyOf(resource: Resource, record: object, what: string, patch: unknown = {}): unknown {
  const { id, created_at, updated_at, ...fields } = record as Record<string, unknown>;
  const parsed = resource.input.safeParse(mergePatch(fields, patch));
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues, 'body');
    throw new KhabarError('validation_failed', `${what} is not valid: ${errors[0]!.path}`, errors);
  }
  return parsed.data;
}
