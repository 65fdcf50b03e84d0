import type { FastifyRequest } from 'fastify';
import type { Role } from '../../core/config.js';
import type { Visibility } from '../../core/list/visibility.js';
import type { ResourceName } from '../../core/resources/registry.js';

/** Whether a reader with `visibility` sees a list's record `id` (traits.keptAcrossWrites). */
export type KeptAcrossWrites = (id: string, visibility: Visibility) => Promise<boolean>;

/**
 * What a route promises beyond its schema, declared as data in its `config.traits`. The plugins act on the
 * declaration at request time, and the contract describes it (openapi/semantics.ts): one declaration, so
 * the behaviour and its description cannot drift apart.
 */
export interface Traits {
  /** A read whose 200 carries an ETag and Cache-Control, answered 304 when the client's copy is current. */
  cacheable?: boolean;
  /**
   * The ETag the one stored record a read answers with has now, as the request sees it (null when it sees none):
   * an answer the response cache kept (of that record unshaped, tagged by its revision) outlives writes to other
   * records. The one trait that is a function rather than data: it reads the record's revision.
   */
  currentEtag?: (request: FastifyRequest) => Promise<string | null>;
  /**
   * A list whose first page in the default order the response cache keeps across the writes the change feed shows
   * cannot change it: its handler notes what the page is made of (page-footprint.ts). The function says whether a
   * reader with `visibility` sees the list's record `id`, asked of a record written at the head of the list.
   */
  keptAcrossWrites?: KeptAcrossWrites;
  /** A write of a stored record that If-Match guards: 412 when stale, 428 without it under REQUIRE_IF_MATCH. */
  conditionalWrite?: boolean;
  /** A create that a retry with the same Idempotency-Key gets the stored response of, instead of a second record. */
  idempotent?: boolean;
  /**
   * A read whose 200 is negotiated (Accept, or `?format=`): JSON only, or also each format that maps the
   * named resource's records (JSON-LD, ninjs). Anything else asked for is a 406.
   */
  formats?: 'json' | ResourceName;
  /**
   * The least role a bearer token must have (preview < editor < admin): 401 without a valid token, 403 with a
   * lesser role. Left out: anyone may call it, and a bearer token sent anyway is checked (401) and names the principal.
   */
  role?: Role;
  /** Counted against a rate limit: reads per client address, writes per token. Left out: never limited. */
  rateLimit?: 'read' | 'write';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    traits?: Traits;
  }
}

const none: Traits = {};

/** The traits of the route a request matched; none for a 404 or a route that declares none. */
export const traitsOf = (request: FastifyRequest): Traits => request.routeOptions.config.traits ?? none;
