import { z } from 'zod';
import type { ListSpec } from '../../core/list/spec.js';
import { withArticle } from '../../core/text/english.js';

export interface CatalogEntry {
  name: string;
  record: z.ZodObject;
  /** Fields an embedded record leaves out: text without a useful bound, which a page of embedded records cannot afford. */
  unembedded?: readonly string[];
}
/** The entries by resource name, the names an include's target gives. */
export type Catalog = Record<string, CatalogEntry>;

/** The fields of a record as `include` embeds it. */
export const embeddedFields = ({ record, unembedded = [] }: CatalogEntry): string[] => Object.keys(record.shape).filter((key) => !unembedded.includes(key));

/** Every field optional but `id`: what `fields=` may leave of a record. */
const sparse = (record: z.ZodObject) => record.partial().safeExtend({ id: record.shape.id! });

const embeddedSchemas = new Map<string, z.ZodType>();

/** An embedded record: the target's representation without its unembedded fields, narrowed by `fields[type]`. One schema per type. */
function embedded(catalog: Catalog, target: string): z.ZodType {
  const entry = catalog[target]!;
  const { name, record, unembedded = [] } = entry;
  let schema = embeddedSchemas.get(name);
  if (!schema) {
    const shown = embeddedFields(entry);
    const without = unembedded.length ? `; without ${unembedded.join(' and ')} (GET the ${name.toLowerCase()} for them)` : '';
    schema = sparse(z.object(Object.fromEntries(shown.map((key) => [key, record.shape[key]!])))).meta({
      id: `${name}Embedded`,
      description: `${withArticle(name.toLowerCase())} embedded by include, narrowed by fields[${target}]${without}`,
    });
    embeddedSchemas.set(name, schema);
  }
  return schema;
}

/**
 * The representation GETs answer with: the record, narrowed by `fields`, with what `include` embeds declared
 * (fast-json-stringify drops properties a schema does not declare). Embedded records sit next to the
 * references they resolve: `person_ids` → `people`, `host_organisation_id` → `host`,
 * `participants[].person_id` → `participants[].person`, and reverse relations under their include name.
 */
export function viewSchema(name: string, record: z.ZodObject, spec: ListSpec, catalog: Catalog): z.ZodObject {
  const shape: Record<string, z.ZodType> = { ...sparse(record).shape };
  const nested = new Map<string, Record<string, z.ZodType>>();
  for (const [path, include] of Object.entries(spec.include)) {
    const target = embedded(catalog, include.target);
    if (include.kind === 'one')
      shape[path] = target
        .nullable()
        .optional()
        .meta({ description: `embedded by include=${path}` });
    else if (include.kind === 'nested') {
      const items = nested.get(include.list) ?? {};
      items[path.split('.').at(-1)!] = target
        .nullable()
        .optional()
        .meta({ description: `embedded by include=${path}` });
      nested.set(include.list, items);
    } else
      shape[path] = z
        .array(target)
        .optional()
        .meta({ description: `embedded by include=${path}` });
  }
  for (const [list, items] of nested) {
    const element = (record.shape[list] as z.ZodArray<z.ZodObject>).element;
    shape[list] = z.array(element.extend(items)).optional();
  }
  return z.object(shape).meta({ id: `${name}View`, description: `${withArticle(name.toLowerCase())}, narrowed by fields and with what include embeds` });
}
