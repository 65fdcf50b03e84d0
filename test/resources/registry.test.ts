import { readdirSync, readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { entityResources } from '../../src/core/facts/entities.js';
import { entityTypes } from '../../src/core/facts/table.js';
import { everything } from '../../src/core/list/visibility.js';
import { resourceNames, resources, unknownIncludeTargets } from '../../src/core/resources/registry.js';
import { searchSources, searchTypes } from '../../src/core/search/sources.js';
import { catalog } from '../../src/web/resources/catalog.js';
import { body, build } from '../helper.js';

const resourcesDir = new URL('../../src/core/resources/', import.meta.url);

// The oracle is the tree: every folder with a resource.ts is a resource, whatever the registry says.
const declaredFolders = readdirSync(resourcesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(new URL(`${entry.name}/`, resourcesDir)).includes('resource.ts'))
  .map((entry) => entry.name)
  .sort();

t.test('the registry lists each resource folder once, under the folder name', async (t) => {
  t.same([...resourceNames].sort(), declaredFolders, 'one registered resource per folder with a resource.ts');
  for (const folder of declaredFolders) {
    const module: Record<string, unknown> = await import(`../../src/core/resources/${folder}/resource.js`);
    const declarations = Object.values(module);
    t.equal(declarations.length, 1, `${folder}/resource.ts exports one declaration`);
    t.ok(
      resources.some((resource) => resource === declarations[0]),
      `${folder}'s declaration is the registered one`,
    );
  }
});

t.test('every list of resources in the core is the registry', async (t) => {
  t.same(searchTypes, resourceNames, 'search types');
  t.same(Object.keys(searchSources), resourceNames, 'search sources');
  for (const resource of resources) t.equal(searchSources[resource.name].table, resource.table, `${resource.name} is searched in its own table`);
  t.same(
    entityResources.map(({ name }) => name),
    resources.filter((resource) => resource.entity).map(({ name }) => name),
    'the resources with facts are those that declare an entity type',
  );
  t.same(entityResources.map(({ type }) => type).sort(), [...entityTypes].sort(), 'the facts tables have a column for each declared entity type, and no other');
  t.same(unknownIncludeTargets(resources), [], 'every include names a registered resource');
});

t.test('an include naming no registered resource is found', async (t) => {
  const [first, ...rest] = resources;
  const include = { ...first.list.include, extra: { kind: 'many' as const, from: 'person_ids', target: 'persons' } };
  t.same(unknownIncludeTargets([{ name: first.name, list: { ...first.list, include } }, ...rest]), [`${first.name}: include extra names persons`]);
});

t.test('every resource gets its repository, routes, representations and tag from its declaration', async (t) => {
  const app = await build(t);
  t.same(Object.keys(catalog), resourceNames, 'the catalog of what includes embed');
  const contract = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
  const operationIds = Object.values(contract.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((item) => Object.values(item).map((op) => op.operationId));
  for (const resource of resources) {
    const { name, noun } = resource;
    t.equal((await app.services.resources[name].list({ limit: 1 }, everything)).shown.data.length, 1, `${name}: a repository over the seeded table`);
    for (const [method, url] of [
      ['GET', `/v1/${name}`],
      ['POST', `/v1/${name}`],
      ['GET', `/v1/${name}/:id`],
      ['PUT', `/v1/${name}/:id`],
      ['PATCH', `/v1/${name}/:id`],
      ['DELETE', `/v1/${name}/:id`],
    ] as const) {
      t.ok(app.hasRoute({ method, url }), `${name}: ${method} ${url}`);
    }
    for (const id of [`list_${name}`, `get_${noun}`, `create_${noun}`, `replace_${noun}`, `update_${noun}`, `delete_${noun}`])
      t.ok(operationIds.includes(id), `${name}: operation ${id} in the contract`);
    t.ok(
      contract.tags.some((tag: { name: string; description: string }) => tag.name === name && tag.description === resource.description),
      `${name}: its tag, described as declared`,
    );
    const first = (await app.services.resources[name].list({ limit: 1 }, everything)).shown.data[0]!;
    const jsonLd = await app.inject({ url: `/v1/${name}/${first.id}`, headers: { accept: 'application/ld+json' } });
    t.equal(jsonLd.statusCode, 200, `${name}: offered as JSON-LD`);
    t.ok(String(body(jsonLd)['@id']).endsWith(`/v1/${name}/${first.id}`), `${name}: mapped by its own mapper, as a record of ${name}`);
  }
});
