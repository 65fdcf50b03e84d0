import AjvModule from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import type { App } from '../../src/web/app.js';

/** The served OpenAPI document, loosely typed: tests read it as data. */
export type Document = {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any>; parameters?: Record<string, any>; responses?: Record<string, any> };
};
export type JsonSchema = Record<string, any>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  /** Path and query parameters (the header ones are the HTTP plugins', the same on every route). */
  parameters: Parameter[];
  /** Request body schemas by media type; empty when the operation takes no body. */
  body: Record<string, JsonSchema>;
  secured: boolean;
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

export async function servedDocument(app: App): Promise<Document> {
  const response = await app.inject({ url: '/openapi.json' });
  return JSON.parse(response.body) as Document;
}

/** A parameter or response as written, or the one under components/parameters or components/responses it refers to. */
function shared<T>(document: Document, value: T | { $ref: string }): T {
  if (!(typeof value === 'object' && value !== null && '$ref' in value)) return value;
  const [, , kind, name] = value.$ref.split('/');
  return (kind === 'parameters' ? document.components.parameters : document.components.responses)?.[name!];
}

/** Every operation of the document, whatever routes exist: new ones are picked up without edits. */
export function operations(document: Document): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        id: operation.operationId as string,
        method: method.toUpperCase(),
        path,
        parameters: ((operation.parameters ?? []) as Array<Parameter | { $ref: string }>).map((parameter) => shared(document, parameter)).filter((parameter) => parameter.in !== 'header'),
        body: Object.fromEntries(Object.entries((operation.requestBody?.content ?? {}) as Record<string, { schema: JsonSchema }>).map(([type, media]) => [type, media.schema])),
        secured: Array.isArray(operation.security) && operation.security.length > 0,
        responses: Object.fromEntries(Object.entries((operation.responses ?? {}) as Operation['responses']).map(([status, response]) => [status, shared(document, response)])),
      })),
  );
}

/** An operation (as `operations` gives it, or as the document holds it) whose 200 is a stream that stays open (the change stream): no single request to it ends. */
export const isEventStream = (operation: { responses?: Operation['responses'] }): boolean => 'text/event-stream' in (operation.responses?.['200']?.content ?? {});

/**
 * Follows `$ref`s to `#/components/schemas/…` until a schema with content is reached. An `allOf` (a record's
 * shapes share their fields so) comes back as one schema: its members' properties and required together.
 */
export function dereference(document: Document, schema: JsonSchema): JsonSchema {
  let current = schema;
  while (typeof current.$ref === 'string') {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components.schemas[name]!;
  }
  if (!Array.isArray(current.allOf)) return current;
  const { allOf, ...own } = current;
  const parts = [...(allOf as JsonSchema[]).map((member) => dereference(document, member)), own];
  const required = [...new Set(parts.flatMap((part) => (part.required ?? []) as string[]))];
  return { ...own, type: 'object', properties: Object.assign({}, ...parts.map((part) => part.properties)), ...(required.length > 0 ? { required } : {}) };
}

const documentId = 'khabar:openapi';

/** Points document-relative `$ref`s at the document registered in ajv, so inline schemas compile too. */
function anchored(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(anchored);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && value.startsWith('#') ? `${documentId}${value}` : anchored(value)]));
}

export type Validate = (schema: JsonSchema, value: unknown) => string | null;

/**
 * Validates values against schemas of the document with ajv's JSON Schema 2020-12 dialect (OpenAPI 3.1's),
 * formats included; returns null when valid, else ajv's errors as text. Compiled schemas are cached.
 */
export function validator(document: Document): Validate {
  const ajv = new AjvModule.default({ strict: false, allErrors: true, validateFormats: true });
  formatsModule.default(ajv);
  ajv.addSchema({ $id: documentId, components: document.components });
  const compiled = new Map<JsonSchema, ReturnType<typeof ajv.compile>>();
  return (schema, value) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(anchored(schema) as JsonSchema);
      compiled.set(schema, validate);
    }
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };
}
