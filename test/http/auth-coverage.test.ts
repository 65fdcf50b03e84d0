import { Writable } from 'node:stream';
import t from 'tap';
import { operations, servedDocument } from '../contract/document.js';
import { body, build, writerToken } from '../helper.js';

/** A log destination the test can read. */
function captured() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}

t.test('every write operation in the document refuses a missing or wrong token, and no token reaches the log', async (t) => {
  const log = captured();
  const app = await build(t, { logLevel: 'trace' }, { logStream: log.stream });
  const document = await servedDocument(app);
  const writes = operations(document).filter((operation) => operation.method !== 'GET');
  t.ok(writes.length >= 16, `${writes.length} write operations`);

  const wrongToken = `${writerToken}-but-wrong`;
  const attempts: Array<[string, Record<string, string>]> = [
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${wrongToken}` }],
    ['the token without the Bearer scheme', { authorization: writerToken }],
    ['the token as Basic credentials', { authorization: `Basic ${writerToken}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ];
  const record = body(await app.inject({ url: '/v1/people?limit=1' })).data[0];
  for (const operation of writes) {
    // The record is a person: a path of every resource (`/v1/{resource}/…`) is tried with theirs.
    const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'resource' ? 'people' : record.id));
    for (const [what, headers] of attempts) {
      const response = await app.inject({ method: operation.method as 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{}' });
      t.equal(response.statusCode, 401, `${operation.method} ${operation.path} with ${what}: 401`);
      t.match(response.headers['www-authenticate'], /^Bearer/);
      t.equal(body(response).code, 'unauthorized');
    }
  }
  const stillThere = await app.inject({ url: `/v1/people/${record.id}` });
  t.equal(stillThere.statusCode, 200, 'nothing was deleted');

  // Requests that succeed, fail validation and fail in the handler, with the real token.
  const authorised = { authorization: `Bearer ${writerToken}`, 'content-type': 'application/json' };
  await app.inject({ method: 'PATCH', url: `/v1/people/${record.id}`, headers: authorised, payload: { position: 'مدير' } });
  await app.inject({ method: 'POST', url: '/v1/people', headers: authorised, payload: { bad: writerToken } });
  await app.inject({ method: 'DELETE', url: '/v1/people/no-such-person', headers: authorised });
  const text = log.text();
  t.match(text, /"reqId"/, 'requests were logged');
  t.notOk(text.includes(writerToken), 'the token is not in the log');
  t.notOk(text.includes(wrongToken), 'nor the wrong token');
});
