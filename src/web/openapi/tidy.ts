// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked as untyped JSON; redocly lint and the contract tests check its shape
export type Json = Record<string, any>;

const schemaRef = '#/components/schemas/';
const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operation of the document, with its path and method. */
export function operations(document: Json): Array<{ path: string; method: string; operation: Json }> {
  return Object.entries<Json>(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries<Json>(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, operation]) => ({ path, method, operation })),
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

/** Renames schemas, in place: their keys under components/schemas and every `$ref` to them (`to` undefined: merged away). */
function renameSchemas(document: Json, renames: Map<string, string>) {
  const walk = (value: unknown) => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const target = key === '$ref' && typeof child === 'string' && child.startsWith(schemaRef) ? renames.get(child.slice(schemaRef.length)) : undefined;
      if (target) Reflect.set(value, key, `${schemaRef}${target}`);
      else walk(child);
    }
  };
  walk(document);
  const schemas: Json = document.components?.schemas ?? {};
  document.components.schemas = Object.fromEntries(
    Object.entries(schemas)
      .filter(([name]) => !(renames.has(name) && renames.get(name)! in schemas))
      .map(([name, schema]) => [renames.get(name) ?? name, schema]),
  );
}

/** `XInput` → `X` in the `$ref`s of a schema, for the names merged so far. */
const asMerged = (schema: unknown, merged: Set<string>) =>
  JSON.stringify(schema).replace(/"#\/components\/schemas\/([^"]+)Input"/g, (ref, name: string) => (merged.has(`${name}Input`) ? `"${schemaRef}${name}"` : ref));

/**
 * The zod type provider writes a schema once as read and once as written (`X`, `XInput`). Where the two are
 * the same, operations refer to `X` and the twin goes; a request schema with no twin gets the plain name
 * (`ArticleWrite`, not `ArticleWriteInput`), so generated clients read naturally.
 */
export function plainSchemaNames(document: Json): Json {
  const schemas: Json = document.components?.schemas ?? {};
  const twins = Object.keys(schemas).filter((name) => name.endsWith('Input'));
  const merged = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of twins.filter((twin) => !merged.has(twin) && twin.slice(0, -'Input'.length) in schemas)) {
      if (asMerged(schemas[name], new Set([...merged, name])) === asMerged(schemas[name.slice(0, -'Input'.length)], merged)) {
        merged.add(name);
        grew = true;
      }
    }
  }
  const renames = new Map(twins.filter((name) => merged.has(name) || !(name.slice(0, -'Input'.length) in schemas)).map((name) => [name, name.slice(0, -'Input'.length)]));
  renameSchemas(document, renames);
  return document;
}

/**
 * The names a shared response may take under components/responses, best first: an error or a 304 by its
 * status; a success by the schema it carries (`PersonResponse`), or `NoContent`.
 */
function sharedResponseNames(status: string, response: Json): string[] {
  if (status === '304') return ['NotModified'];
  if (Number(status) >= 400) return [`Problem${status}`];
  const schema: string | undefined = Object.values<Json>(response.content ?? {})[0]
    ?.schema?.$ref?.split('/')
    .at(-1);
  const name = schema ?? 'NoContent';
  return [name, `${name}${status}`];
}

/**
 * Writes each error (and 304) response once under components/responses and refers to it: the plugins answer a
 * status the same way on every route, so the operations would otherwise repeat it word for word. A success
 * response that several operations give word for word (PUT and PATCH of a record, every DELETE) is shared too.
 */
export function shareResponses(document: Json): Json {
  const shared: Json = { ...document.components?.responses };
  const paths: Json = structuredClone(document.paths);
  const inline = operations({ paths }).flatMap(({ operation }) =>
    Object.entries<Json>(operation.responses ?? {})
      .filter(([, response]) => !response.$ref)
      .map(([status, response]) => ({ responses: operation.responses, status, response, key: JSON.stringify(response) })),
  );
  const uses = new Map<string, number>();
  for (const { key } of inline) uses.set(key, (uses.get(key) ?? 0) + 1);
  const nameOf = new Map<string, string>();
  for (const { responses, status, response, key } of inline) {
    const success = Number(status) < 300;
    if (success && uses.get(key)! < 2) continue;
    let name = nameOf.get(key);
    if (!name) {
      const names = sharedResponseNames(status, response);
      // An error response that says something of its own for its status stays where it is.
      name = success ? names.find((candidate) => !(candidate in shared)) : names.find((candidate) => !(candidate in shared) || JSON.stringify(shared[candidate]) === key);
      if (!name) continue;
      shared[name] ??= response;
      nameOf.set(key, name);
    }
    responses[status] = { $ref: `#/components/responses/${name}` };
  }
  return { ...document, paths, components: { ...document.components, responses: shared } };
}

/** `fields[people]` → `fields.people`: a parameter's name as a component key. */
const keyOf = (name: string) => name.replace(/\[([^\]]*)\]/g, '.$1');

/**
 * Writes each parameter that several operations declare word for word (`format`, `fields`, a path's `id`)
 * once under components/parameters and refers to it. One used by several resources keeps its name (`format`);
 * one of a single resource is named for it (`people.id`), one of the paths of every resource (`/v1/{resource}/…`) for that parameter (`resource.n`).
 */
export function shareParameters(document: Json): Json {
  const paths: Json = structuredClone(document.paths);
  const inline = operations({ paths }).flatMap(({ path, operation }) => {
    const parameters: Json[] = operation.parameters ?? [];
    return parameters
      .map((parameter, index) => ({ operation, parameter, index, key: JSON.stringify(parameter), kind: /^\/v1\/\{?(\w+)/.exec(path)?.[1] ?? 'meta' }))
      .filter(({ parameter }) => !parameter.$ref);
  });
  const uses = new Map<string, { count: number; kinds: Set<string> }>();
  for (const { key, kind } of inline) {
    const use = uses.get(key) ?? { count: 0, kinds: new Set<string>() };
    uses.set(key, { count: use.count + 1, kinds: use.kinds.add(kind) });
  }
  const shared: Json = { ...document.components?.parameters };
  const nameOf = new Map<string, string>();
  for (const { operation, parameter, index, key, kind } of inline) {
    const { count, kinds } = uses.get(key)!;
    if (count < 2) continue;
    let name = nameOf.get(key);
    if (!name) {
      const base = keyOf(parameter.name);
      name = [kinds.size > 1 ? base : `${kind}.${base}`, `${operation.operationId}.${base}`].find((candidate) => !(candidate in shared))!;
      shared[name] = parameter;
      nameOf.set(key, name);
    }
    operation.parameters[index] = { $ref: `#/components/parameters/${name}` };
  }
  return { ...document, paths, components: { ...document.components, parameters: shared } };
}
