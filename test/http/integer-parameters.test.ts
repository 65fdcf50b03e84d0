import t, { type Test } from 'tap';
import type { Config } from '../../src/core/config.js';
import { operations, servedDocument } from '../contract/document.js';
import { body, build, testConfig } from '../helper.js';

const admin = { authorization: 'Bearer admin-secret-0123456789' };
const apiTokens: Config['apiTokens'] = [{ name: 'ops', secret: 'admin-secret-0123456789', role: 'admin' }];
/** A webhook to a local address (nothing listens there: it exists to list its deliveries). */
const subscription = { url: 'http://127.0.0.1:9/hook', resources: ['articles'], actions: ['published'] };
const setup = async (t: Test) => {
  const app = await build(t, { apiTokens, webhooks: { ...testConfig().webhooks, allowPrivate: true } });
  const hook = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: admin, payload: subscription });
  t.equal(hook.statusCode, 201, 'a webhook to list the deliveries of');
  return { app, hookId: body(hook).data.id as string };
};

/** Every route that takes a page size, with its bounds as the docs promise them (not read from the code). */
const pagedRoutes: Record<string, { max: number; fallback: number }> = {
  'GET /v1/articles': { max: 100, fallback: 20 },
  'GET /v1/people': { max: 100, fallback: 20 },
  'GET /v1/organisations': { max: 100, fallback: 20 },
  'GET /v1/meetings': { max: 100, fallback: 20 },
  'GET /v1/{resource}/{id}/revisions': { max: 100, fallback: 20 },
  'GET /v1/articles/trash': { max: 100, fallback: 20 },
  'GET /v1/people/trash': { max: 100, fallback: 20 },
  'GET /v1/organisations/trash': { max: 100, fallback: 20 },
  'GET /v1/meetings/trash': { max: 100, fallback: 20 },
  'DELETE /v1/articles/trash': { max: 1000, fallback: 1000 },
  'DELETE /v1/people/trash': { max: 1000, fallback: 1000 },
  'DELETE /v1/organisations/trash': { max: 1000, fallback: 1000 },
  'DELETE /v1/meetings/trash': { max: 1000, fallback: 1000 },
  'GET /v1/changes': { max: 1000, fallback: 100 },
  'GET /v1/webhooks/{id}/deliveries': { max: 100, fallback: 20 },
  'GET /v1/search': { max: 100, fallback: 20 },
};

/** What a page size must not be: JavaScript's Number() takes most of these for a number. */
const refused = (max: number): Array<[label: string, query: string, message: RegExp]> => [
  ['hex', 'limit=0x10', /decimal digits/],
  ['exponent', 'limit=1e2', /decimal digits/],
  ['leading space', 'limit=%20100', /decimal digits/],
  ['trailing space', 'limit=100%20', /decimal digits/],
  ['plus sign', 'limit=%2B5', /decimal digits/],
  ['leading zero', 'limit=05', /decimal digits/],
  ['decimal point', 'limit=1.0', /decimal digits/],
  ['minus sign', 'limit=-1', /decimal digits/],
  ['zero', 'limit=0', /from 1 to/],
  ['one past the maximum', `limit=${max + 1}`, new RegExp(`from 1 to ${max}\\b`)],
  ['eight digits', 'limit=12345678', /decimal digits/],
  ['empty', 'limit=', /decimal digits/],
  ['given twice', 'limit=5&limit=5', /given more than once/],
];

t.test('every page size is decimal digits within its bounds: anything else is a 400 naming limit, on every route that takes one', async (t) => {
  const { app, hookId } = await setup(t);
  const person = body(await app.inject({ url: '/v1/people?limit=1' })).data[0].id as string;
  const urlOf = (path: string) => path.replace('{resource}', 'people').replace('{id}', path.includes('webhooks') ? hookId : person);

  const paged = operations(await servedDocument(app)).filter((operation) => operation.parameters.some((parameter) => parameter.in === 'query' && parameter.name === 'limit'));
  t.same(paged.map((operation) => `${operation.method} ${operation.path}`).sort(), Object.keys(pagedRoutes).sort(), 'the table lists every route the contract gives a limit');

  for (const operation of paged) {
    const route = `${operation.method} ${operation.path}`;
    const { max, fallback } = pagedRoutes[route]!;
    const limit = operation.parameters.find((parameter) => parameter.name === 'limit')!;
    t.match(limit.schema, { type: 'integer', minimum: 1, maximum: max, default: fallback }, `${route}: the contract states an integer, its bounds and default`);
    const base = `${urlOf(operation.path)}?${operation.path === '/v1/search' ? 'q=x&' : ''}`;
    const send = (query: string) => app.inject({ method: operation.method as 'GET' | 'DELETE', url: base + query, headers: admin });

    for (const [label, query, message] of refused(max)) {
      const response = await send(query);
      t.equal(response.statusCode, 400, `${route} ${label}: 400`);
      t.match(response.headers['content-type'], /^application\/problem\+json/, `${route} ${label}: problem+json`);
      const problem = body(response);
      t.equal(problem.code, 'validation_failed', `${route} ${label}: validation_failed`);
      t.equal(problem.errors?.[0]?.path, 'querystring.limit', `${route} ${label}: names limit`);
      t.match(problem.errors?.[0]?.message, message, `${route} ${label}: says what is allowed`);
    }
    for (const query of ['limit=1', `limit=${max}`, '']) {
      const response = await send(query);
      t.equal(response.statusCode, 200, `${route} ${query || 'no limit'}: 200`);
      const answered = body(response);
      // A page says its size; an emptying of the trash answers counts instead.
      if (answered.meta) t.equal(answered.meta.limit, query === '' ? fallback : Number(query.slice('limit='.length)), `${route} ${query || 'no limit'}: the page size`);
    }
  }
});

t.test('a delivery id in a path or a cursor is decimal digits too', async (t) => {
  const { app, hookId } = await setup(t);
  for (const value of ['0x10', '1e2', '%201', '%2B1', '01', '1.0', '-1', '0', '12345678901234567']) {
    const cursor = await app.inject({ url: `/v1/webhooks/${hookId}/deliveries?cursor=${value}`, headers: admin });
    t.equal(cursor.statusCode, 400, `cursor=${value}: 400`);
    t.equal(body(cursor).errors?.[0]?.path, 'querystring.cursor', `cursor=${value}: names the cursor`);
    const redeliver = await app.inject({ method: 'POST', url: `/v1/webhooks/${hookId}/deliveries/${value}/redeliver`, headers: admin });
    t.equal(redeliver.statusCode, 400, `delivery ${value}: 400`);
    t.equal(body(redeliver).errors?.[0]?.path, 'params.delivery_id', `delivery ${value}: names the delivery id`);
  }
  t.equal((await app.inject({ url: `/v1/webhooks/${hookId}/deliveries?cursor=21`, headers: admin })).statusCode, 200, 'digits are a cursor');
  t.equal((await app.inject({ method: 'POST', url: `/v1/webhooks/${hookId}/deliveries/7/redeliver`, headers: admin })).statusCode, 404, 'digits name a delivery, here none');
});
