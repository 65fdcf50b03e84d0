import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { body, build } from '../helper.js';

t.test('openapi.yaml is what the server serves (run `npm run openapi` after changing a route)', async (t) => {
  const app = await build(t);
  const served = body(await app.inject({ url: '/openapi.json' }));
  const committed = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'));
  t.same(committed, served);
});

t.test('every operation is documented, tagged and secured as it behaves', async (t) => {
  const app = await build(t);
  const document = body(await app.inject({ url: '/openapi.json' }));
  t.equal(document.openapi, '3.1.0');
  const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
  );
  t.equal(operations.length, 26, 'four resources × six operations (list, get, create, replace, update, delete), search, and health');
  for (const { path, method, operation } of operations) {
    const name = `${method.toUpperCase()} ${path}`;
    t.ok(operation.operationId && operation.summary && operation.tags?.length, `${name}: id, summary, tag`);
    const writes = method !== 'get';
    t.equal(Boolean(operation.security), writes, `${name}: bearer security exactly on writes`);
    if (writes) t.ok(operation.responses['401'], `${name}: documents 401`);
    for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
      if (Number(status) >= 400) t.ok(response.content['application/problem+json'], `${name} ${status}: problem+json`);
    }
  }
  const docs = await app.inject({ url: '/docs/' });
  t.equal(docs.statusCode, 200, 'the docs page is served');
  t.match(docs.headers['content-type'], /text\/html/);
});
