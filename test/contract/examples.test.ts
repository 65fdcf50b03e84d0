import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { type Document, type JsonSchema, validator } from './document.js';

const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as Document & { components: Record<string, any> };
const validate = validator(document);
const shared = (value: any) => (typeof value?.$ref === 'string' ? document.components[value.$ref.split('/').at(-2)][value.$ref.split('/').at(-1)] : value);

/** Every place an example stands: a parameter or media type (inline or by reference), with the schema it illustrates. */
function exemplified(): Array<{ where: string; schema: JsonSchema; value: unknown; ref?: string }> {
  const found: Array<{ where: string; schema: JsonSchema; value: unknown; ref?: string }> = [];
  const collect = (where: string, holder: any) => {
    if (holder.example !== undefined) found.push({ where, schema: holder.schema, value: holder.example });
    for (const [name, example] of Object.entries((holder.examples ?? {}) as Record<string, any>)) {
      found.push({ where: `${where} (${name})`, schema: holder.schema, value: shared(example).value, ref: example.$ref });
    }
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const parameter of (operation.parameters ?? []).map(shared)) collect(`${name} ${parameter.in} ${parameter.name}`, parameter);
      for (const [type, media] of Object.entries((operation.requestBody?.content ?? {}) as Record<string, any>)) collect(`${name} body ${type}`, media);
      for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, any>)) {
        for (const [type, media] of Object.entries((shared(response).content ?? {}) as Record<string, any>)) collect(`${name} ${status} ${type}`, media);
      }
    }
  }
  for (const [name, header] of Object.entries((document.components.headers ?? {}) as Record<string, any>)) {
    if (header.schema?.example !== undefined) found.push({ where: `header ${name}`, schema: header.schema, value: header.schema.example });
  }
  return found;
}

/** Every subschema carrying its own `example`: in the component schemas, and in the `schema` of parameters and media types. */
function schemaExamples(): Array<{ where: string; schema: JsonSchema; value: unknown }> {
  const found: Array<{ where: string; schema: JsonSchema; value: unknown }> = [];
  const walk = (value: unknown, where: string, inSchema: boolean) => {
    if (value === null || typeof value !== 'object') return;
    const node = value as JsonSchema;
    if (inSchema && 'example' in node) found.push({ where, schema: node, value: node.example });
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'example' && key !== 'examples') walk(child, `${where}/${key}`, inSchema || key === 'schema');
    }
  };
  for (const name of Object.keys(document.components.schemas)) walk(document.components.schemas[name], `#/components/schemas/${name}`, true);
  walk(document.paths, '#/paths', false);
  walk(document.components.parameters, '#/components/parameters', false);
  return found;
}

t.test('every example of a parameter, request body and response is valid against its schema (ajv, JSON Schema 2020-12)', async (t) => {
  const examples = exemplified();
  t.ok(examples.length > 100, `${examples.length} examples`);
  for (const { where, schema, value } of examples) t.equal(validate(schema, value), null, where);
});

t.test('every example under components/examples is referenced, so the test above checks each', async (t) => {
  const referenced = new Set(exemplified().map(({ ref }) => ref));
  const defined = Object.keys(document.components.examples ?? {}).map((name) => `#/components/examples/${name}`);
  t.ok(defined.length > 40, `${defined.length} examples defined once`);
  t.same(
    defined.filter((ref) => !referenced.has(ref)),
    [],
  );
});

t.test('one problem example per error code, whatever statuses and routes share it', async (t) => {
  const problems = Object.entries((document.components.examples ?? {}) as Record<string, any>).filter(([, example]) => example.value?.type?.startsWith('urn:khabar:problem:'));
  const codes = problems.map(([, example]) => example.value.code);
  t.same(codes.length, new Set(codes).size, 'no code twice');
  for (const [name, example] of problems) t.equal(name, `problem_${example.value.code}`, `${name}: named for its code`);
});

t.test('every example a schema carries is valid against that schema', async (t) => {
  const examples = schemaExamples();
  t.ok(examples.length > 10, `${examples.length} schema examples`);
  for (const { where, schema, value } of examples) t.equal(validate(schema, value), null, where);
});
