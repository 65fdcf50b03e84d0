/**
 * A typed khabar client: openapi-fetch over the types `npm run client` generates from openapi.yaml.
 * Paths, parameters, bodies and responses are checked by the compiler; failures come back as problem documents.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type Schemas = components['schemas'];
export type Article = Schemas['Article'];
export type Person = Schemas['Person'];
export type Organisation = Schemas['Organisation'];
export type Meeting = Schemas['Meeting'];
export type Problem = Schemas['Problem'];

export interface KhabarOptions {
  /** A bearer token from the server's API_TOKENS, sent with every request: writes need an editor's, revisions any role's; reads need none, and a read that carries one is checked and private. */
  token?: string;
  fetch?: typeof fetch;
}

/** The client speaks plain JSON; errors arrive as application/problem+json. */
type Media = 'application/json' | 'application/problem+json';

export function createKhabarClient(baseUrl: string, options: KhabarOptions = {}) {
  return createClient<paths, Media>({
    baseUrl,
    headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

export type KhabarClient = ReturnType<typeof createKhabarClient>;

/** Throws a problem as an Error whose message carries its stable code. */
export function unwrap<T>(result: { data?: T; error?: Problem }): T {
  if (result.data !== undefined) return result.data;
  const problem = result.error;
  throw new Error(problem ? `${problem.code}: ${problem.detail}` : 'no response body');
}
