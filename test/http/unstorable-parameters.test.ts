import t from 'tap';
import { auth, body, build } from '../helper.js';

/*
 * A NUL is in no stored text (a body holding one is refused), and PostgreSQL cannot be sent one: in a route's
 * parameter or a query it is a 400 naming where it is, on either engine, where PostgreSQL answered 500.
 */

const cases: Array<[url: string, path: string]> = [
  ['/v1/articles/a%00b', 'params.id'],
  ['/v1/people/x%00', 'params.id'],
  ['/v1/articles?q=a%00b', 'querystring.q'],
  ['/v1/search?q=%D9%88%D8%B2%D9%8A%D8%B1%00', 'querystring.q'],
  ['/v1/articles?filter%5Btitle%5D%5Bcontains%5D=%D8%A7%D8%A8%00%D8%AA', 'querystring.filter.title.contains'],
  ['/v1/people?filter%5Bslug%5D=x%00', 'querystring.filter.slug.eq'],
  ['/v1/articles?sort=title%00', 'querystring.sort'],
];

t.test('a NUL in a route parameter or a query value is a 400 naming it', async (t) => {
  const app = await build(t);
  for (const [url, path] of cases) {
    const refused = await app.inject({ url, headers: auth });
    t.equal(refused.statusCode, 400, `${url}: 400`);
    t.match(refused.headers['content-type'], /^application\/problem\+json/, `${url}: a problem`);
    t.equal(body(refused).code, 'validation_failed', `${url}: validation_failed`);
    t.same(body(refused).errors, [{ path, message: 'holds a NUL character (\\u0000)' }], `${url}: names ${path}`);
    const without = await app.inject({ url: url.replaceAll('%00', ''), headers: auth });
    t.not(without.statusCode, 400, `${url}: without the NUL, not refused (${without.statusCode})`);
    t.ok(without.statusCode < 500, `${url}: without the NUL, no server error`);
  }
});
