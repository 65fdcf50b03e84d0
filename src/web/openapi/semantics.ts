import { problemCodes } from '../http/problem.js';
import { rateLimitHeaders } from '../http/rate-limit.js';
import { positionHeader } from '../http/read-your-writes.js';
import type { Traits } from '../http/traits.js';
import type { Json } from './tidy.js';

/**
 * Adds what the HTTP plugins do to every operation of the generated OpenAPI document: request headers as
 * parameters, response headers, the security requirement and required role, and the 304 / 401 / 403 / 412 /
 * 428 / 429 / 503 responses. Done once here, from the traits each
 * route declares (the same declaration the plugins act on), so the contract says what the routes do; and from
 * the method, for read-your-writes (http/read-your-writes.ts): a write answers its position, a read takes one.
 */

/** The extension under which each operation brings its route's traits here (removed once described). */
export const traitsKey = 'x-traits';
/** The extension that names the least role a token must have to call an operation (preview < editor < admin). */
const requiredRoleKey = 'x-required-role';

const header = (description: string, schema: Json = { type: 'string' }) => ({ description, schema });
// The example stands in the schema: a client generator writes a parameter's own example into every operation that takes it, the schema's once.
const headerParameter = (name: string, description: string, example: string, schema: Json = { type: 'string' }) => ({
  in: 'header',
  name,
  required: false,
  description,
  schema: { ...schema, example },
});
const ref = (kind: 'headers' | 'parameters', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const headers: Json = {
  ETag: header('Strong entity tag of the representation (a compressed one ends in .br or .gzip); send it back in If-None-Match (reads) or If-Match (writes)', {
    type: 'string',
    example: '"JQBRFk_Bv6tN5HocJuZ-PReZ_TS"',
  }),
  'Last-Modified': header(
    "On a write: the written record's updated_at, an HTTP date. Reads carry none (a representation also changes when what it embeds or lists changes, which no date of the record follows): their ETag is the validator",
  ),
  'Cache-Control': header('`public, max-age=…, stale-while-revalidate=…` for anonymous reads; `private, no-store` when an Authorization header was sent'),
  Location: header('URL of the created record'),
  'WWW-Authenticate': header('`Bearer realm="khabar"`, with `error="invalid_token"` when a sent token was refused (RFC 6750)'),
  Link: header('RFC 8288 links, such as the next page (`rel="next"`)'),
  'Idempotent-Replayed': header('`true` when this is the stored response to an earlier request with the same Idempotency-Key', { type: 'string', enum: ['true'] }),
  'X-Request-Id': header('The request id (the one sent, when it was valid, else a generated one); every log line of the request carries it'),
  'Retry-After': header('Seconds to wait before trying again', { type: 'integer' }),
  [positionHeader]: header(
    "On PostgreSQL, the database's position after this write; send it back in Khabar-Position on a read to read this write, whichever node answers. Opaque: keep the latest. Absent on SQLite",
    { type: 'string', example: '16/B374D848' },
  ),
  ...Object.fromEntries(
    [
      ['RateLimit-Limit', 'Requests allowed per window (reads per client address, writes per token)'],
      ['RateLimit-Remaining', 'Requests left in the current window'],
      ['RateLimit-Reset', 'Seconds until the window resets'],
    ].map(([name, description]) => [name, header(description!, { type: 'integer' })]),
  ),
};

const parameters: Json = {
  IfNoneMatch: headerParameter('If-None-Match', 'ETags the client holds: 304 without a body when one is current', '"JQBRFk_Bv6tN5HocJuZ-PReZ_TS"'),
  IfMatch: headerParameter(
    'If-Match',
    'The ETag of the record as the client last saw it: 412 when the record has changed since. Required (428) when the server runs with REQUIRE_IF_MATCH=true',
    '"JQBRFk_Bv6tN5HocJuZ-PReZ_TS"',
  ),
  IdempotencyKey: headerParameter(
    'Idempotency-Key',
    'A unique key for this create: a retry with the same key and body gets the first response again (marked Idempotent-Replayed) instead of a second record; the same key with another body gets 422. Keys are kept 24 hours, per token',
    'create-article-7f3a2c',
    { type: 'string', minLength: 1, maxLength: 255 },
  ),
  KhabarPosition: headerParameter(
    positionHeader,
    "The Khabar-Position a write answered: this read sees that write (it is served by a database that has it, and not from a node's response cache). Not a position: 400. Ignored on SQLite",
    '16/B374D848',
    { type: 'string', pattern: '^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$' },
  ),
  RequestId: headerParameter('X-Request-Id', 'A request id to log and echo (one its pattern allows); otherwise one is generated', 'checkout-7f3a', {
    type: 'string',
    maxLength: 128,
    pattern: '^[A-Za-z0-9\\-_.:+/=]{1,128}$',
  }),
};

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const titleOf = (status: number) =>
  Object.values(problemCodes)
    .filter((code) => code.status === status)
    .map((code) => code.title)
    .join('; ');
const problemResponse = (status: number, extraHeaders: string[] = []) => ({
  description: titleOf(status),
  headers: Object.fromEntries(['X-Request-Id', ...extraHeaders].map((name) => [name, ref('headers', name)])),
  content: problemContent,
});

const methods = ['get', 'post', 'put', 'patch', 'delete'];

function isList(document: Json, response: Json | undefined): boolean {
  const target: string | undefined = response?.content?.['application/json']?.schema?.$ref;
  const name = target?.split('/').at(-1);
  return name !== undefined && document.components?.schemas?.[name]?.properties?.links !== undefined;
}

/** Whether a success of the operation has a body (a written record), not only a status (a delete's 204). */
const returnsRecord = (operation: Json) => Object.entries<Json>(operation.responses).some(([status, response]) => status.startsWith('2') && response.content !== undefined);

function addHeaders(response: Json, names: string[]) {
  response.headers = { ...response.headers, ...Object.fromEntries(names.map((name) => [name, ref('headers', name)])) };
}

function describeOperation(document: Json, operation: Json, method: string) {
  const traits: Traits = operation[traitsKey];
  delete operation[traitsKey];
  const limited = traits.rateLimit !== undefined;
  const reads = method === 'get';
  const requestParameters = ['RequestId', ...(reads ? ['KhabarPosition'] : [])];
  const success = ['X-Request-Id', ...(limited ? rateLimitHeaders : []), ...(reads ? [] : [positionHeader])];
  if (traits.cacheable) {
    requestParameters.push('IfNoneMatch');
    success.push('ETag', 'Cache-Control', ...(isList(document, operation.responses['200']) ? ['Link'] : []));
    operation.responses['304'] = {
      description: 'Not modified: the copy the client holds is current',
      headers: Object.fromEntries(['ETag', 'Cache-Control', 'X-Request-Id'].map((name) => [name, ref('headers', name)])),
    };
  }
  if (traits.idempotent) {
    requestParameters.push('IdempotencyKey');
    // A replay repeats these headers of the stored response (replayedHeaders in http/idempotency.ts).
    success.push('Location', 'ETag', 'Last-Modified', 'Idempotent-Replayed');
    operation.responses['409'] ??= problemResponse(409);
    operation.responses['422'] ??= problemResponse(422);
  }
  if (traits.conditionalWrite) {
    requestParameters.push('IfMatch');
    if (returnsRecord(operation)) success.push('ETag', 'Last-Modified');
    operation.responses['412'] = problemResponse(412, ['ETag']);
    operation.responses['428'] = problemResponse(428);
  }
  // Every route checks a bearer token when one is sent (http/auth.ts); a route that declares a role requires one.
  if (traits.role) {
    operation.security = [{ bearerAuth: [] }];
    operation[requiredRoleKey] = traits.role;
    operation.responses['403'] = { ...problemResponse(403), description: `The token's role is below this operation's ${requiredRoleKey}` };
  } else {
    operation.security = [{}, { bearerAuth: [] }];
  }
  operation.responses['401'] = problemResponse(401, ['WWW-Authenticate']);
  // Every route answers 503 when the server is over a load limit (http/overload.ts), and 429 to an address
  // over its budget of refused tokens (its rate limit's headers only where it declares one); both say when to retry.
  operation.responses['503'] = problemResponse(503, ['Retry-After']);
  operation.responses['429'] = problemResponse(429, ['Retry-After', ...rateLimitHeaders]);
  operation.parameters = [...(operation.parameters ?? []), ...requestParameters.map((name) => ref('parameters', name))];
  for (const [status, response] of Object.entries<Json>(operation.responses)) {
    if (status.startsWith('2')) addHeaders(response, success);
    else if (!response.headers) addHeaders(response, ['X-Request-Id']);
  }
}

export function documentHttpSemantics(document: Json): Json {
  document.components = { ...document.components, headers, parameters };
  for (const item of Object.values<Json>(document.paths ?? {})) {
    for (const method of methods) if (item[method]) describeOperation(document, item[method], method);
  }
  return document;
}
