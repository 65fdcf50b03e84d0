// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked as untyped JSON; redocly lint and the contract tests check its shape
export type Json = Record<string, any>;

const schemaRef = '#/components/schemas/';
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document, with its path and method. */
export function operations(document: Json): Array<{ path: string; method: string; operation: Json }> {
  return Object.entries((document.paths ?? {}) as Record<string, Json>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );
}

function collectRefs(value: unknown, into: Set<string>) {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(schemaRef)) into.add(child.slice(schemaRef.length));
      else collectRefs(child, into);
    }
  }
}

/**
 * Drops the schemas no operation reaches. The zod type provider registers each named schema twice (as
 * written and as read: `X` and `XInput`); only one of the two is used by any operation.
 */
export function pruneUnusedSchemas(document: Json): Json {
  const schemas: Json = document.components?.schemas ?? {};
  const used = new Set<string>();
  collectRefs(document.paths, used);
  const pending = [...used];
  while (pending.length > 0) {
    const found = new Set<string>();
    collectRefs(schemas[pending.pop()!], found);
    for (const name of found) {
      if (used.has(name)) continue;
      used.add(name);
      pending.push(name);
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...document.components, schemas: kept } };
}

/**
 * Gives a request schema its plain name (`ArticleWrite`, not `ArticleWriteInput`) when no response schema
 * claims that name, so that generated clients read naturally.
 */
export function plainSchemaNames(document: Json): Json {
  const schemas: Json = document.components?.schemas ?? {};
  let text = JSON.stringify(document);
  for (const name of Object.keys(schemas)) {
    const plain = name.replace(/Input$/, '');
    if (plain !== name && !(plain in schemas)) {
      text = text.replaceAll(`"${schemaRef}${name}"`, `"${schemaRef}${plain}"`).replace(`"${name}":{`, `"${plain}":{`);
    }
  }
  return JSON.parse(text) as Json;
}

/** Reads say outright that they need no credentials (`security: []`); writes already name the bearer scheme. */
export function declarePublicReads(document: Json): Json {
  for (const { operation } of operations(document)) operation.security ??= [];
  return document;
}
