import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { resources } from '../../src/core/resources/registry.js';
import { recordName } from '../../src/core/resources/shared/declaration.js';
import { type Document, validator } from './document.js';

const document = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as Document & { components: Record<string, any> };
const validate = validator(document);
const example = (name: string) => structuredClone(document.components.examples[name].value);
const without = (value: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key));

t.test("a record's shapes in the contract accept what the server's schemas accept, though they share their fields through allOf", async (t) => {
  for (const resource of resources) {
    const name = recordName(resource);
    const record = example(`${name}Response`).data;
    const write = example(`${name}Write_body`);
    const patch = example(`${name}Patch_body`);
    const cases: Array<[shape: string, server: { safeParse(value: unknown): { success: boolean } }, label: string, value: unknown]> = [
      [name, resource.record, 'the seeded record', record],
      [name, resource.record, 'without its slug', without(record, 'slug')],
      [`${name}Write`, resource.input, 'the example body', write],
      [`${name}Write`, resource.input, 'with a field it lacks', { ...write, no_such_field: 1 }],
      [`${name}Write`, resource.input, 'without its slug', without(write, 'slug')],
      [`${name}Write`, resource.input, 'empty', {}],
      [`${name}Patch`, resource.patch, 'the example patch', patch],
      [`${name}Patch`, resource.patch, 'with a field it lacks', { ...patch, no_such_field: 1 }],
      [`${name}Patch`, resource.patch, 'empty', {}],
    ];
    for (const [shape, server, label, value] of cases) {
      t.equal(validate({ $ref: `#/components/schemas/${shape}` }, value) === null, server.safeParse(value).success, `${shape}, ${label}`);
    }
    // A response schema is closed (the server strips what the record lacks, so zod is no oracle here).
    for (const shape of [name, `${name}View`, `${name}Embedded`])
      t.not(validate({ $ref: `#/components/schemas/${shape}` }, { ...record, no_such_field: 1 }), null, `${shape}: a field it lacks is refused`);
    t.ok(
      [name, `${name}View`, `${name}Embedded`, `${name}Write`, `${name}Patch`].every((shape) => document.components.schemas[shape].allOf?.[0]?.$ref === `#/components/schemas/${name}Fields`),
      `${name}: every shape refers to ${name}Fields`,
    );
  }
});
