import { connect } from 'node:net';
import { Readable } from 'node:stream';
import t from 'tap';
import { auth, build, buildUnready } from '../helper.js';

/** Writes `chunks` to a raw connection (a function: a pause), and resolves with all it received and when the server closed it (gives up after 5 s). */
async function rawExchange(port: number, chunks: Array<string | Buffer | (() => Promise<void>)>) {
  const socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  const giveUp = setTimeout(() => socket.destroy(), 5000);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  for (const chunk of chunks) {
    if (socket.destroyed) break;
    if (typeof chunk === 'function') await chunk();
    else socket.write(chunk);
  }
  const end = await closed;
  clearTimeout(giveUp);
  return { text: Buffer.concat(received).toString('utf8'), seconds: (end - started) / 1000 };
}

const pause = (ms: number) => () => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The status, headers and parsed body of the one response in a raw exchange. */
function parseResponse(text: string) {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as { code: string; status: number } };
}

t.test('a request line with raw non-ASCII bytes, or oversized headers, get a problem+json and the socket closed', async (t) => {
  const app = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const line = Buffer.concat([Buffer.from('GET /v1/people/'), Buffer.from('علي', 'utf8'), Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')]);
  const { text } = await rawExchange(port, [line]);
  const response = parseResponse(text);
  t.equal(response.status, 400);
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.match(response.body, { code: 'malformed_request', status: 400 });
  t.equal(response.headers['content-length'], String(Buffer.byteLength(text.split('\r\n\r\n')[1]!)), 'Content-Length is the body in bytes');

  const oversized = parseResponse((await rawExchange(port, [`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`])).text);
  t.equal(oversized.status, 431, 'headers over 16 KB');
  t.match(oversized.body, { code: 'headers_too_large', status: 431 });
});

t.test('what node:http answers itself is a problem too: a missing Host, an unknown expectation, CONNECT', async (t) => {
  const app = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const exchange = async (request: string) => parseResponse((await rawExchange(port, [request])).text);

  const hostless = await exchange('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n');
  t.equal(hostless.status, 400, 'HTTP/1.1 without Host');
  t.match(hostless.headers['content-type'], /^application\/problem\+json/);
  t.match(hostless.body, { code: 'malformed_request', status: 400, detail: /Host/ });
  t.equal(hostless.headers['x-content-type-options'], 'nosniff', "with every answer's security headers");
  t.equal((await exchange('GET /health HTTP/1.0\r\n\r\n')).status, 200, 'HTTP/1.0 needs none');

  // RFC 9110 lets a server ignore an expectation it does not know: the request is served.
  const expecting = await exchange('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n');
  t.equal(expecting.status, 200, 'an expectation other than 100-continue');
  const posting = await exchange(
    `POST /v1/people HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nExpect: foo\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
  );
  t.match(posting, { status: 400, body: { code: 'validation_failed' } }, 'a write with one is read and validated');

  const connecting = await exchange('CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n');
  t.equal(connecting.status, 400, 'CONNECT');
  t.match(connecting.headers['content-type'], /^application\/problem\+json/);
  t.match(connecting.body, { code: 'malformed_request', detail: /CONNECT/ });
});

t.test('a body slower than REQUEST_TIMEOUT_MS gets 408 problem+json and its socket closed; the server goes on serving', async (t) => {
  const app = await build(t, { timeouts: { requestMs: 800, headersMs: 400, keepAliveMs: 5000 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const head = `POST /v1/organisations HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
  // Three bytes of a declared 100,000, then a trickle that keeps the socket busy but never finishes.
  const trickle = Array.from({ length: 12 }, () => [pause(250), ' ']).flat();
  const slowBody = await rawExchange(port, [head, '{"s', ...trickle]);
  const response = parseResponse(slowBody.text);
  t.equal(response.status, 408, 'the slow body is refused');
  t.match(response.headers['content-type'], /^application\/problem\+json/);
  t.match(response.body, { code: 'request_timeout', status: 408 });
  t.ok(slowBody.seconds >= 0.8 && slowBody.seconds < 2.5, `the socket closed after ${slowBody.seconds} s, between the timeout and a second after it`);

  const slowHeaders = await rawExchange(port, ['GET /health HTTP/1.1\r\n', ...Array.from({ length: 12 }, () => [pause(100), 'X-A: b\r\n']).flat()]);
  t.equal(parseResponse(slowHeaders.text).status, 408, 'headers slower than HEADERS_TIMEOUT_MS: 408 too');
  t.ok(slowHeaders.seconds < 2, `closed after ${slowHeaders.seconds} s`);

  t.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'other clients are served');
});

t.test('an unparsable request while a response is being written: the socket is closed, nothing is written into that response', async (t) => {
  const app = await buildUnready(t);
  // A response whose body takes a while: its headers are on the wire before its end.
  app.get('/slow', (_request, reply) => {
    const chunks = ['first part;', 'second part'];
    reply.type('text/plain').send(
      Readable.from(
        (async function* () {
          for (const chunk of chunks) {
            yield chunk;
            await pause(300)();
          }
        })(),
      ),
    );
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  // A second, pipelined request with a raw non-ASCII byte arrives while the first response is in progress.
  const { text } = await rawExchange(port, ['GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', pause(100), Buffer.from('GET /\xff HTTP/1.1\r\n\r\n', 'latin1')]);
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/, 'the first response had begun');
  t.match(text, /first part;/);
  t.notMatch(text, /HTTP\/1\.1 400|malformed_request/, 'no status line or problem written into the middle of its body');
});
