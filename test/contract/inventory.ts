/** What the contract promises, reduced to names: operations, their parameters, bodies, statuses and media types, and schema names. */

export type Json = Record<string, any>;

export interface Inventory {
  operations: Record<string, { operationId: string; parameters: string[]; requestBody: string[]; responses: Record<string, string[]> }>;
  schemas: string[];
  /** Every distinct description text, wherever it stands (examples aside: they are data, not prose). */
  descriptions: string[];
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows a `#/components/<kind>/<name>` reference, if the value is one. */
export function resolve(document: Json, value: Json): Json {
  if (typeof value.$ref !== 'string') return value;
  const [, , kind, name] = value.$ref.split('/');
  return document.components[kind!][name!];
}

export function inventory(document: Json): Inventory {
  const operations: Inventory['operations'] = {};
  for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item).filter(([key]) => methods.includes(key))) {
      operations[`${method.toUpperCase()} ${path}`] = {
        operationId: operation.operationId,
        parameters: ((operation.parameters ?? []) as Json[])
          .map((p) => resolve(document, p))
          .map((p) => `${p.in} ${p.name}`)
          .sort(),
        requestBody: Object.keys(operation.requestBody?.content ?? {}).sort(),
        responses: Object.fromEntries(Object.entries(operation.responses as Record<string, Json>).map(([status, response]) => [status, Object.keys(resolve(document, response).content ?? {}).sort()])),
      };
    }
  }
  return { operations, schemas: Object.keys(document.components.schemas).sort(), descriptions: [...descriptions(document)].sort() };
}

function descriptions(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) descriptions(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'description' && typeof child === 'string') into.add(child);
      else if (key !== 'example' && key !== 'examples') descriptions(child, into);
    }
  }
  return into;
}
