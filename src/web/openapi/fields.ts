import type { Json } from './tidy.js';

const schemaRef = '#/components/schemas/';

/** A record's shapes, by the suffix of their schema names: as stored, as read (with what `include` embeds), embedded, written, patched. */
const shapeSuffixes = ['', 'View', 'Embedded', 'Write', 'Patch'];

const isClosedObject = (schema: Json | undefined) => schema?.type === 'object' && schema.additionalProperties === false && typeof schema.properties === 'object';

/** The schema of one shape: `allOf` the shared fields and its own, closed as it was (`unevaluatedProperties` sees through `allOf`). */
function composedShape(shape: Json, fieldsName: string, shared: Set<string>): Json {
  const { type: _object, properties, required, additionalProperties: _closed, ...rest } = shape;
  const own = Object.fromEntries(Object.entries<Json>(properties).filter(([key]) => !shared.has(key)));
  return {
    allOf: [{ $ref: `${schemaRef}${fieldsName}` }],
    ...(Object.keys(own).length > 0 ? { type: 'object', properties: own } : {}),
    ...(required ? { required } : {}),
    unevaluatedProperties: false,
    ...rest,
  };
}

interface Family {
  fieldsName: string;
  members: string[];
  fields: Json;
}

/** The family a record's schema heads: its shapes, and the fields they all have word for word. */
function familyOf(schemas: Json, name: string): Family | undefined {
  const members = shapeSuffixes.map((suffix) => `${name}${suffix}`).filter((member) => isClosedObject(schemas[member]));
  const properties: Json = schemas[name].properties ?? {};
  const shared = Object.keys(properties).filter((key) => members.every((member) => JSON.stringify(schemas[member].properties[key]) === JSON.stringify(properties[key])));
  const fieldsName = `${name}Fields`;
  if (members.length < 2 || !members.includes(name) || shared.length < 2 || fieldsName in schemas) return undefined;
  return { fieldsName, members, fields: Object.fromEntries(shared.map((key) => [key, properties[key]])) };
}

/**
 * A record's shapes (`Article`, `ArticleView`, `ArticleEmbedded`, `ArticleWrite`, `ArticlePatch`) repeat most
 * of its fields word for word. The fields every shape has are written once, as `ArticleFields`, placed before
 * the first shape, and each shape is `allOf` those and its own fields, with its own `required`.
 */
export function shareRecordFields(document: Json): Json {
  const schemas: Json = document.components?.schemas ?? {};
  const familyOfMember = new Map<string, Family>();
  for (const name of Object.keys(schemas)) {
    const family = familyOf(schemas, name);
    if (!family) continue;
    for (const member of family.members) familyOfMember.set(member, family);
  }
  const composed: Json = {};
  for (const [name, schema] of Object.entries<Json>(schemas)) {
    const family = familyOfMember.get(name);
    if (!family) {
      composed[name] = schema;
      continue;
    }
    composed[family.fieldsName] ??= { type: 'object', properties: family.fields, description: `The fields ${family.members.join(', ')} all have, written once` };
    composed[name] = composedShape(schema, family.fieldsName, new Set(Object.keys(family.fields)));
  }
  return { ...document, components: { ...document.components, schemas: composed } };
}
