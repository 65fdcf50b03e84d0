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
  t.equal(
    operations.length,
    31,
    'four resources × six operations (list, get, create, replace, update, delete), health, search, article mentions and import, and three provenance lists',
  );
  for (const { path, method, operation } of operations) {
    const name = `${method.toUpperCase()} ${path}`;
    t.ok(operation.operationId && operation.summary && operation.description && operation.tags?.length, `${name}: id, summary, description, tag`);
    const writes = method !== 'get';
    t.same(operation.security, writes ? [{ bearerAuth: [] }] : [], `${name}: bearer security exactly on writes`);
    if (writes) t.ok(operation.responses['401'], `${name}: documents 401`);
    for (const reference of operation.parameters ?? []) {
      const parameter = reference.$ref ? document.components.parameters[reference.$ref.split('/').at(-1)] : reference;
      t.not(parameter.example, undefined, `${name} ${parameter.name}: example`);
    }
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
  // The schemas the operations reach, following $refs from the paths through the schemas they name.
  const refsIn = (value: unknown) => [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  const reached = new Set(refsIn(document.paths));
  for (const name of reached) for (const ref of refsIn(document.components.schemas[name])) reached.add(ref);
  t.same(schemas.filter((name) => !reached.has(name)), [], 'every schema is reached from an operation: the unused twins are pruned');
  t.same(schemas.filter((name) => name.endsWith('Input') && !schemas.includes(name.slice(0, -'Input'.length))), [], 'an XInput schema keeps that name only when X is taken');
  const seededArticle = document.paths['/v1/articles/{id}'].get.parameters.find((p: any) => p.name === 'id').example;
  t.equal((await app.inject({ url: `/v1/articles/${encodeURIComponent(seededArticle)}` })).statusCode, 200, 'the id example names a seeded record');

});

t.test('the docs page and the demo are served from the package', async (t) => {
  const app = await build(t);
  const docs = await app.inject({ url: '/docs/' });
  t.equal(docs.statusCode, 200, 'the docs page is served');
  t.match(docs.headers['content-type'], /text\/html/);
  t.match(docs.body, 'theme/khabar.css');
  t.notMatch(docs.body, /https?:\/\//, 'the page names no other host');
  const css = await app.inject({ url: '/docs/static/theme/khabar.css' });
  t.match(css.headers['content-type'], /^text\/css/);
  t.match(css.body, 'unicode-bidi: plaintext');
  const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' });
  t.match(initializer.body, 'validatorUrl: null', 'no validator badge');
  const served = body(await app.inject({ url: '/docs/json', headers: { host: '127.0.0.1:4321' } }));
  t.same(served.servers, [{ url: 'http://127.0.0.1:3000', description: 'this server (PUBLIC_URL)' }], '"try it out" calls PUBLIC_URL, whatever the Host header says');

  const files = [
    ['/demo', /^text\/html/, 'dir="rtl"'],
    ['/demo/', /^text\/html/, 'src="/demo/demo.js"'],
    ['/demo/demo.js', /^text\/javascript/, '/v1/articles'],
    ['/demo/demo.css', /^text\/css/, 'article h1'],
  ] as const;
  for (const [url, type, text] of files) {
    const response = await app.inject({ url });
    t.equal(response.statusCode, 200, url);
    t.match(response.headers['content-type'], type);
    t.match(response.body, text);
  }
  t.notMatch((await app.inject({ url: '/demo' })).body, /<script>|<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  const missing = await app.inject({ url: '/demo/secret.txt' });
  t.equal(missing.statusCode, 404);
  t.match(body(missing), { code: 'route_not_found' });
});
