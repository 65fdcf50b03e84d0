import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { body, build } from '../helper.js';

const root = new URL('../../', import.meta.url).pathname;

t.test('openapi.yaml is what the server serves (run `npm run openapi` after changing a route)', async (t) => {
  const app = await build(t);
  const served = body(await app.inject({ url: '/openapi.json' }));
  const committed = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
  t.same(committed, served);
});

t.test('openapi.yaml passes redocly lint, recommended rules, with no warning (offline)', async (t) => {
  const result = spawnSync(`${root}node_modules/.bin/redocly`, ['lint', 'openapi.yaml', '--format=summary'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    timeout: 60_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  t.equal(result.status, 0, output);
  t.match(output, /Your API description is valid/);
  t.notMatch(output, /^(warning|error)\s/m, 'no warnings');
});

t.test('every operation is documented, tagged, exemplified and secured as it behaves', async (t) => {
  const app = await build(t);
  const document = body(await app.inject({ url: '/openapi.json' }));
  t.equal(document.openapi, '3.1.0');
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
  t.equal(operations.length, 25, 'four resources × six operations (list, get, create, replace, update, delete), and health');
  for (const { path, method, operation } of operations) {
    const name = `${method.toUpperCase()} ${path}`;
    t.ok(operation.operationId && operation.summary && operation.description && operation.tags?.length, `${name}: id, summary, description, tag`);
    const writes = method !== 'get';
    t.same(operation.security, writes ? [{ bearerAuth: [] }] : [], `${name}: bearer security exactly on writes`);
    if (writes) t.ok(operation.responses['401'], `${name}: documents 401`);
    for (const parameter of operation.parameters ?? []) t.not(parameter.example, undefined, `${name} ${parameter.name}: example`);
    const requestBody = operation.requestBody?.content?.['application/json'];
    if (requestBody) t.ok(requestBody.example, `${name}: request body example`);
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      t.not(response.description, 'Default Response', `${name} ${status}: described`);
      if (Number(status) >= 400) t.ok(response.content['application/problem+json'].examples, `${name} ${status}: problem+json examples`);
      for (const [mediaType, content] of Object.entries((response.content ?? {}) as Record<string, any>)) {
        t.ok(content.schema, `${name} ${status} ${mediaType}: schema`);
        t.ok(content.example ?? content.examples, `${name} ${status} ${mediaType}: example`);
      }
    }
  }
  const schemas = Object.keys(document.components.schemas);
  t.notOk(schemas.some((s) => s.endsWith('Input') && schemas.includes(s.replace(/Input$/, ''))) && !schemas.includes('BlockInput'), 'unused twins pruned');
  const seededArticle = document.paths['/v1/articles/{id}'].get.parameters.find((p: any) => p.name === 'id').example;
  t.equal((await app.inject({ url: `/v1/articles/${encodeURIComponent(seededArticle)}` })).statusCode, 200, 'the id example names a seeded record');

  const docs = await app.inject({ url: '/docs/' });
  t.equal(docs.statusCode, 200, 'the docs page is served');
  t.match(docs.headers['content-type'], /text\/html/);
});
