import { createRequire, syncBuiltinESMExports } from 'node:module';
import t from 'tap';
import { loadConfig } from '../../src/core/config.js';
import type { App } from '../../src/web/app.js';
import type { Principal } from '../../src/web/http/auth.js';
import { isEventStream, servedDocument } from '../contract/document.js';
import { body, build, buildUnready } from '../helper.js';

const secrets = { preview: 'preview-secret-0123456789', editor: 'editor-secret-0123456789', admin: 'admin-secret-0123456789' };
// Parsed as an operator writes them: the editor's entry names no role, which keeps today's meaning.
const apiTokens = loadConfig({ API_TOKENS: `frontend@preview:${secrets.preview},desk:${secrets.editor},ops@admin:${secrets.admin}` }).apiTokens;

type Caller = 'none' | 'wrong' | 'preview' | 'editor' | 'admin';
const callers: Caller[] = ['none', 'wrong', 'preview', 'editor', 'admin'];
const headersOf = (caller: Caller): Record<string, string> => (caller === 'none' ? {} : { authorization: `Bearer ${caller === 'wrong' ? 'wrong-secret-0123456789' : secrets[caller]}` });

/** The order of the roles as the issue states it, written here rather than taken from the code under test. */
const order = ['preview', 'editor', 'admin'];

/** What a caller gets from a route that needs `required` (undefined: none): 401, 403, or through (`pass`). */
function expected(caller: Caller, required: string | undefined): 401 | 403 | 'pass' {
  if (caller === 'wrong') return 401;
  if (required === undefined) return 'pass';
  if (caller === 'none') return 401;
  return order.indexOf(caller) >= order.indexOf(required) ? 'pass' : 403;
}

t.test('every operation of the contract × every caller: 401, 403 or through, as its x-required-role says', async (t) => {
  const app = await build(t, { apiTokens });
  const document = await servedDocument(app);
  const person = body(await app.inject({ url: '/v1/people/علي-العدواني' })).data;
  let operations = 0;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries<Record<string, any>>(item)) {
      operations++;
      const required: string | undefined = operation['x-required-role'];
      // The record is a person: a path of every resource (`/v1/{resource}/…`) is tried with theirs.
      const url = path.replace('{resource}', 'people').replace('{id}', person.id).replace('{n}', '1');
      // An accepted request for the change stream never ends a response to inject: only its refusals are asked here.
      for (const caller of callers) {
        if (isEventStream(operation) && expected(caller, required) === 'pass') continue;
        const response = await app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { ...headersOf(caller), 'content-type': 'application/json' },
          ...(method === 'get' ? {} : { payload: '{}' }),
        });
        const want = expected(caller, required);
        const name = `${method.toUpperCase()} ${path} (${required ?? 'no role'}) by ${caller}`;
        if (want === 'pass') {
          t.ok(response.statusCode !== 401 && response.statusCode !== 403 && response.statusCode < 500, `${name}: through (${response.statusCode})`);
        } else {
          t.equal(response.statusCode, want, name);
          t.match(response.headers['content-type'], /^application\/problem\+json/);
          t.equal(body(response).code, want === 401 ? 'unauthorized' : 'forbidden', `${name}: code`);
        }
      }
    }
  }
  t.ok(operations >= 35, `${operations} operations`);
});

t.test('a few routes, by a hand-written table: the contract names their roles and the server answers so', async (t) => {
  const app = await build(t, { apiTokens });
  const document = await servedDocument(app);
  const organisations = async () => body(await app.inject({ url: '/v1/organisations' })).meta.total as number;
  const before = await organisations();
  let created = 0;
  const trashed = await app.inject({ method: 'POST', url: '/v1/organisations', headers: headersOf('editor'), payload: { slug: 'لجنة-للحذف', name: 'لجنة للحذف', kind: 'committee' } });
  const trashedId: string = body(trashed).data.id;
  await app.inject({ method: 'DELETE', url: `/v1/organisations/${trashedId}`, headers: headersOf('editor') });
  const table: Array<{ method: 'GET' | 'POST' | 'DELETE'; path: string; url: () => string; payload?: () => Record<string, string>; role: string | undefined; statuses: Record<Caller, number> }> = [
    { method: 'GET', path: '/v1/organisations', url: () => '/v1/organisations', role: undefined, statuses: { none: 200, wrong: 401, preview: 200, editor: 200, admin: 200 } },
    {
      method: 'GET',
      path: '/v1/{resource}/{id}/revisions',
      url: () => '/v1/people/علي-العدواني/revisions',
      role: 'preview',
      statuses: { none: 401, wrong: 401, preview: 200, editor: 200, admin: 200 },
    },
    {
      method: 'POST',
      path: '/v1/organisations',
      url: () => '/v1/organisations',
      payload: () => ({ slug: `لجنة-${++created}`, name: `لجنة ${created}`, kind: 'committee' }),
      role: 'editor',
      statuses: { none: 401, wrong: 401, preview: 403, editor: 201, admin: 201 },
    },
    { method: 'GET', path: '/v1/organisations/trash', url: () => '/v1/organisations/trash', role: 'preview', statuses: { none: 401, wrong: 401, preview: 200, editor: 200, admin: 200 } },
    // Only the admin's purge goes through: the record is gone for good.
    {
      method: 'DELETE',
      path: '/v1/{resource}/{id}/trash',
      url: () => `/v1/organisations/${trashedId}/trash`,
      role: 'admin',
      statuses: { none: 401, wrong: 401, preview: 403, editor: 403, admin: 204 },
    },
  ];
  for (const { method, path, url, payload, role, statuses } of table) {
    t.equal(document.paths[path]![method.toLowerCase()]['x-required-role'], role, `${method} ${path}: the contract names ${role ?? 'no role'}`);
    for (const caller of callers) {
      const response = await app.inject({ method, url: url(), headers: headersOf(caller), ...(payload ? { payload: payload() } : {}) });
      t.equal(response.statusCode, statuses[caller], `${method} ${path} by ${caller}`);
    }
  }
  t.equal(await organisations(), before + 2, 'only the editor and the admin created an organisation');
  t.equal((await app.inject({ url: `/v1/organisations/${trashedId}/revisions`, headers: headersOf('admin') })).statusCode, 404, 'the purge erased its revisions');
});

t.test('403 is a problem naming the role needed, and is not charged to the failure budget', async (t) => {
  const app = await build(t, { apiTokens, authFailureRateLimitMax: 1 });
  const attempt = () => app.inject({ method: 'DELETE', url: '/v1/organisations/وزارة-الداخلية-السعودية', headers: headersOf('preview') });
  for (let i = 0; i < 3; i++) {
    const refused = await attempt();
    t.equal(refused.statusCode, 403);
    t.match(refused.headers['content-type'], /^application\/problem\+json/);
    t.match(body(refused), { status: 403, code: 'forbidden', title: "The token's role does not allow this request", detail: /needs a token with the editor role.*frontend has the preview role/ });
  }
  t.equal((await app.inject({ url: '/v1/organisations/وزارة-الداخلية-السعودية' })).statusCode, 200, 'nothing was deleted');
  const revisions = await app.inject({ url: '/v1/organisations/وزارة-الداخلية-السعودية/revisions', headers: headersOf('preview') });
  t.equal(revisions.statusCode, 200, 'three 403s used none of a budget of one failure');
});

t.test('a read with a wrong token is refused and charged to the failure budget; a read without one never is', async (t) => {
  const app = await build(t, { apiTokens, authFailureRateLimitMax: 2 });
  const read = (caller: Caller) => app.inject({ url: '/v1/people', headers: headersOf(caller) });
  const refused = await read('wrong');
  t.equal(refused.statusCode, 401);
  t.equal(refused.headers['www-authenticate'], 'Bearer realm="khabar", error="invalid_token"');
  t.equal((await read('wrong')).statusCode, 401, 'the second failure of two');
  const blocked = await read('preview');
  t.equal(blocked.statusCode, 429, 'over the budget, even a valid token on a read is not checked');
  t.ok(Number(blocked.headers['retry-after']) > 0);
  t.equal((await read('none')).statusCode, 200, 'reads without a token are not affected');
  const basic = await app.inject({ url: '/v1/people', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  t.equal(basic.statusCode, 200, 'credentials of another scheme on a read are not a bearer token: the read is anonymous');
});

t.test('the request principal: the token name and role on any route, null without a token; writes record its name', async (t) => {
  const app = await buildUnready(t, { apiTokens });
  const seen: Array<Principal | null> = [];
  app.addHook('onResponse', async (request) => {
    seen.push(request.principal);
  });
  await app.ready();
  await app.inject({ url: '/v1/people' });
  await app.inject({ url: '/v1/people', headers: headersOf('preview') });
  await app.inject({ url: '/health', headers: headersOf('admin') });
  const created = await app.inject({ method: 'POST', url: '/v1/organisations', headers: headersOf('admin'), payload: { slug: 'لجنة-المراجعة', name: 'لجنة المراجعة', kind: 'committee' } });
  t.equal(created.statusCode, 201);
  t.same(seen, [null, { name: 'frontend', role: 'preview' }, { name: 'ops', role: 'admin' }, { name: 'ops', role: 'admin' }]);
  const revisions = body(await app.inject({ url: '/v1/organisations/لجنة-المراجعة/revisions', headers: headersOf('editor') }));
  t.same(
    revisions.data.map((revision: { writer: string }) => revision.writer),
    ['ops'],
    'the admin token wrote revision 1 under its name',
  );
});

t.test('reads with a token are private: the response cache neither serves them nor keeps them, and Vary names Authorization', async (t) => {
  // A draft, which a token's reader sees and the public does not, tells whose answer a read was given.
  const draft = 'مسودة-خاصة';
  const withDraft = async () => {
    const app = await build(t, { apiTokens });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/articles',
      headers: headersOf('editor'),
      payload: { slug: draft, title: 'مسودة خاصة', language: 'ar', status: 'draft', body: [{ type: 'paragraph', text: 'نص لم يُنشر.' }] },
    });
    t.equal(created.statusCode, 201);
    return app;
  };
  const list = async (app: App, headers: Record<string, string>) => {
    const response = await app.inject({ url: '/v1/articles', headers });
    t.equal(response.statusCode, 200);
    return { response, hasDraft: body(response).data.some((article: { slug: string }) => article.slug === draft) };
  };

  const publicFirst = await withDraft();
  const anonymous = await list(publicFirst, {});
  t.notOk(anonymous.hasDraft, 'the public does not see the draft');
  t.match(anonymous.response.headers['cache-control'], /^public, max-age=/);
  t.match(anonymous.response.headers.vary, /\bAuthorization\b/);
  t.equal(publicFirst.responseCache!.entries, 1, 'the anonymous read is kept');
  const withToken = await list(publicFirst, headersOf('preview'));
  t.ok(withToken.hasDraft, 'a read with a token is not served the anonymous entry: it sees the draft');
  t.equal(withToken.response.headers['cache-control'], 'private, no-store');
  t.match(withToken.response.headers.vary, /\bAuthorization\b/);
  t.equal(publicFirst.responseCache!.entries, 1, 'and keeps nothing beside it');

  const tokenFirst = await withDraft();
  t.ok((await list(tokenFirst, headersOf('editor'))).hasDraft, 'the token reads the draft');
  t.equal(tokenFirst.responseCache!.entries, 0, 'a read with a token keeps nothing');
  t.notOk((await list(tokenFirst, {})).hasDraft, 'so the anonymous read after it is not served its answer');
  t.equal(tokenFirst.responseCache!.entries, 1, 'and is the one kept');
});

t.test('a read without a bearer header computes no digest; one with a token computes one, its own', async (t) => {
  const app = await build(t, { apiTokens });
  // node:crypto's createHash, counted: the ESM bindings follow the CommonJS module once synced.
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const original = crypto.createHash;
  let digests = 0;
  crypto.createHash = ((...args: Parameters<typeof original>) => {
    digests++;
    return original(...args);
  }) as typeof original;
  syncBuiltinESMExports();
  t.teardown(() => {
    crypto.createHash = original;
    syncBuiltinESMExports();
  });
  const count = async (headers: Record<string, string>) => {
    digests = 0;
    t.equal((await app.inject({ url: '/v1/people/علي-العدواني/revisions?limit=1', headers })).statusCode, headers.authorization?.startsWith('Bearer') ? 200 : 401);
    t.equal((await app.inject({ url: '/v1/people?limit=3', headers })).statusCode, 200);
    return digests;
  };
  // Once first, with a token and without: PostgreSQL's executor names a statement by a digest of its text when it
  // first renders it, and only a token's request reaches the revision list's statements.
  await count({});
  await count(headersOf('preview'));
  t.equal(await count({}), 0, 'anonymous: no digest (the revision list refuses before hashing anything)');
  t.equal(await count({ authorization: 'Basic dXNlcjpwYXNz' }), 0, 'another scheme: none either');
  t.equal(await count(headersOf('preview')), 2, 'a token: one digest per request');
});
