import { articleResource } from './articles/resource.js';
import { meetingResource } from './meetings/resource.js';
import { organisationResource } from './organisations/resource.js';
import { personResource } from './people/resource.js';
import type { Resource } from './shared/declaration.js';

/**
 * Every resource khabar serves, in the order of the contract's operations: the one place they are listed.
 * Repositories, list includes, search, facts, routes and the OpenAPI tags are derived from it.
 */
export const resources = [articleResource, personResource, organisationResource, meetingResource] as const;

export type AnyResource = (typeof resources)[number];
export type ResourceName = AnyResource['name'];

export const resourceNames = resources.map((resource) => resource.name);

/** One value per resource, by name, made from its declaration. */
export const byResource = <T>(make: (resource: AnyResource) => T): Record<ResourceName, T> =>
  Object.fromEntries(resources.map((resource) => [resource.name, make(resource)])) as Record<ResourceName, T>;

/** The includes of some resources that name no resource among them (`people: include x names y`). */
export function unknownIncludeTargets(declared: readonly Pick<Resource, 'name' | 'list'>[]): string[] {
  const names = new Set(declared.map(({ name }) => name));
  return declared.flatMap(({ name, list }) => Object.entries(list.include).flatMap(([path, include]) => (names.has(include.target) ? [] : [`${name}: include ${path} names ${include.target}`])));
}

// An include names its target by name: a name no resource has fails at start, not on the first request.
const unknownTargets = unknownIncludeTargets(resources);
if (unknownTargets.length > 0) throw new Error(`not a registered resource: ${unknownTargets.join('; ')}`);
