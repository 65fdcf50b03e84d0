import type { z } from 'zod';
import type { EntityType } from '../../facts/table.js';
import type { ListSpec } from '../../list/spec.js';
import type { SearchFields } from '../../search/fields.js';
import type { Repository, ResourceTable } from './repository.js';

/**
 * Everything khabar knows about one resource, declared once in its folder (`<name>/resource.ts`) and listed once in
 * `registry.ts`: the routes, list queries, search, facts and the OpenAPI description are derived from it.
 */
export interface Resource<Name extends string = string, Schema extends z.ZodObject = z.ZodObject, Input = unknown> {
  /** URL segment, repository key, search type, include target and OpenAPI tag: `people`. */
  name: Name;
  /** One record, in operation ids and messages: `person`. */
  noun: string;
  /** What the resource holds, for the OpenAPI tag. */
  description: string;
  table: ResourceTable;
  /** The record as read; its zod `id` (`Person`) names it and its envelopes in the contract. */
  record: Schema;
  /** The write body of POST and PUT, and what a PATCH must leave valid. */
  input: z.ZodType<Input>;
  patch: z.ZodType;
  list: ListSpec;
  repository(): Repository<z.output<Schema>, Input>;
  search: SearchFields;
  /** The entity type of mentions and provenance, for a resource whose records articles can mention. */
  entity?: EntityType;
  /** Fields an embedded record leaves out: text without a useful bound, which a page of embedded records cannot afford. */
  unembedded?: readonly string[];
}

/** Keeps the declaration's literal name, so the registry's derived maps are typed by resource. */
export const defineResource = <const Name extends string, Schema extends z.ZodObject, Input>(resource: Resource<Name, Schema, Input>) => resource;

/** The name of the record's schema (`Person`), from its zod `id`: its envelopes and views are named after it. */
export function recordName(resource: Resource): string {
  const id = resource.record.meta()?.id;
  if (!id) throw new Error(`${resource.name}: the record schema has no id`);
  return id;
}
