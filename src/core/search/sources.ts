import { byResource, type ResourceName, resourceNames } from '../resources/registry.js';
import type { SearchSource } from './fields.js';

/** Every resource is searchable: a search type is a resource's name. */
export const searchTypes = resourceNames;
export type SearchType = ResourceName;

const searchTypeSet = new Set<string>(searchTypes);
export const isSearchType = (value: string): value is SearchType => searchTypeSet.has(value);

/** What search reads from each resource: its table and the fields its declaration names. */
export const searchSources: Record<SearchType, SearchSource> = byResource((resource) => ({ table: resource.table, ...resource.search }));
