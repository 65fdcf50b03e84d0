import fs, { readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import t, { type Test } from 'tap';
import { docsAppRetryMs } from '../../src/web/openapi/plugin.js';
import { body, build, buildUnready } from '../helper.js';

// Alone in its process (tap runs each file in its own), so what is loaded is what the app loaded.
const require = createRequire(import.meta.url);
const loaded = (name: string) => Object.keys(require.cache).some((path) => path.includes(`/node_modules/${name}/`));

// What the docs page needs and nothing else does: loaded by its first request, not at start (docs/performance.md, "Cold start").
// The YAML parser is lazy too, but tap has loaded it already.
const docsModules = ['@fastify/swagger', '@fastify/swagger-ui', '@fastify/static'];

t.test('the docs page is loaded by its first request, not at start, and then served', async (t) => {
  const app = await build(t);
  t.equal((await app.inject({ url: '/health' })).statusCode, 200);
  for (const name of docsModules) t.notOk(loaded(name), `${name} is not loaded by start-up nor by a first request elsewhere`);

  const contract = await app.inject({ url: '/openapi.json' });
  t.equal(contract.statusCode, 200);
  t.equal(body(contract).info.title, 'khabar');
  for (const name of docsModules) t.notOk(loaded(name), `nor by the contract: ${name}`);

  const page = await app.inject({ url: '/docs/' });
  t.equal(page.statusCode, 200, 'the docs page');
  t.match(page.headers['content-type'], /^text\/html/);
  t.equal(page.headers['cross-origin-opener-policy'], 'same-origin', "with this app's page headers");
  t.match(page.body, 'theme/khabar.css');
  for (const name of docsModules) t.ok(loaded(name), `${name} is loaded now`);

  const css = await app.inject({ url: '/docs/static/theme/khabar.css' });
  t.equal(css.body, readFileSync(new URL('../../public/docs/khabar.css', import.meta.url), 'utf8'), 'its stylesheet is the one in public/');
  t.same(body(await app.inject({ url: '/docs/json' })), body(contract), 'it reads the document /openapi.json serves');
  const missing = await app.inject({ url: '/docs/static/no-such-file.js' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.headers['content-type'], 'application/problem+json; charset=utf-8', "a file it lacks is this app's 404");
  t.equal(body(missing).code, 'route_not_found');
});

t.test("another method on one of the docs page's routes is a 405 naming GET, before and after the page is loaded", async (t) => {
  const app = await build(t);
  // The page, what it links to and the document it reads: the routes @fastify/swagger-ui declares.
  const routes = ['/docs', '/docs/', '/docs/json', '/docs/yaml', '/docs/static/index.html', '/docs/static/swagger-initializer.js', '/docs/static/theme/khabar.css'];
  for (const round of ['before', 'after']) {
    for (const url of routes) {
      const post = await app.inject({ method: 'POST', url });
      t.equal(post.statusCode, 405, `${round}: POST ${url}`);
      t.equal(post.headers.allow, 'OPTIONS, GET, HEAD');
      t.equal((await app.inject({ method: 'OPTIONS', url })).statusCode, 204, `${round}: OPTIONS ${url}`);
    }
    t.equal((await app.inject({ method: 'POST', url: '/docs/static/swagger-ui.css' })).statusCode, 404, `${round}: a static file's other methods are 404, as for every file`);
    t.equal((await app.inject({ url: '/docs/' })).statusCode, 200);
  }
});

t.test('the contract is serialised once, by its first request: the others send the same bytes and tag without serialising it', async (t) => {
  const app = await build(t);
  const first = await app.inject({ url: '/openapi.json' });
  t.ok(first.rawPayload.length > 100_000, 'a document of some size');
  t.equal(body(first).openapi, '3.1.0');
  t.match(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8'), `title: ${body(first).info.title}`, 'the committed one');
  // Serialising its 200 KB held the event loop ~5 ms a request, on a route no rate limit counts.
  const stringify = t.capture(JSON, 'stringify', JSON.stringify);
  for (const url of ['/openapi.json', '/openapi.json', '/docs/json']) {
    const again = await app.inject({ url });
    t.equal(again.headers.etag, first.headers.etag, `${url}: the same tag`);
    t.ok(again.rawPayload.equals(first.rawPayload), `${url}: the same bytes`);
  }
  const documents = stringify.calls.filter((call) => 'returned' in call && call.returned.length > 100_000);
  t.equal(documents.length, 0, 'the document was not serialised again');
});

t.test("the docs page's file errors are this app's problems: a refused file 404, a failed precondition 412, a range past the end the whole file", async (t) => {
  const app = await build(t);
  const css = '/docs/static/swagger-ui.css';
  const whole = await app.inject({ url: css });
  t.equal(whole.statusCode, 200);
  for (const [headers, status, what] of [
    [{ 'if-match': '"not-its-tag"' }, 412, 'If-Match another tag'],
    [{ 'if-unmodified-since': 'Mon, 01 Jan 1990 00:00:00 GMT' }, 412, 'If-Unmodified-Since a date before the file'],
  ] as const) {
    const refused = await app.inject({ url: css, headers });
    t.equal(refused.statusCode, status, what);
    t.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8', `${what}: a problem`);
    t.equal(body(refused).code, 'precondition_failed');
  }
  const past = await app.inject({ url: css, headers: { range: `bytes=${whole.rawPayload.length + 10}-` } });
  t.equal(past.statusCode, 200, 'a range past the end: ignored');
  t.ok(past.rawPayload.equals(whole.rawPayload), 'the whole file');
  const inRange = await app.inject({ url: css, headers: { range: 'bytes=0-9' } });
  t.equal(inRange.statusCode, 206, 'a range within it is still served');
  t.equal(inRange.body, whole.body.slice(0, 10));
  const nul = await app.inject({ url: '/docs/static/%00' });
  t.equal(nul.statusCode, 400, 'a NUL in a file name is refused as in any parameter (test/http/unstorable-parameters.test.ts)');
  t.equal(body(nul).code, 'validation_failed');
});

t.test("the docs page's files are sent from memory after their first request: the same bytes and validators in each coding, and 304s", async (t) => {
  const app = await build(t);
  const swaggerUi = (name: string) => createRequire(import.meta.url).resolve(`@fastify/swagger-ui/static/${name}`);
  const files = [
    { url: '/docs/static/swagger-ui-bundle.js', path: swaggerUi('swagger-ui-bundle.js'), type: /^application\/javascript/ },
    { url: '/docs/static/swagger-ui.css', path: swaggerUi('swagger-ui.css'), type: /^text\/css/ },
  ].map((file) => {
    // The validators @fastify/static (send) derives from the file on disk: a weak tag of its size and time, and that time.
    const { size, mtime } = statSync(file.path);
    return { ...file, size, etag: `W/"${size.toString(16)}-${mtime.getTime().toString(16)}"`, modified: mtime, bytes: readFileSync(file.path) };
  });
  const decode = { identity: (bytes: Buffer) => bytes, gzip: gunzipSync, br: brotliDecompressSync };
  // @fastify/static stats and opens the file for each request the docs app answers: after the first, none should.
  let fileAccess: { calls: unknown[] }[] = [];
  for (const round of ['first', 'kept']) {
    if (round === 'kept') fileAccess = [t.capture(fs, 'stat', fs.stat), t.capture(fs, 'createReadStream', fs.createReadStream)];
    for (const file of files) {
      for (const coding of ['identity', 'gzip', 'br'] as const) {
        const answer = await app.inject({ url: file.url, headers: { 'accept-encoding': coding } });
        const what = `${round}: ${file.url} ${coding}`;
        t.equal(answer.statusCode, 200, what);
        t.ok(decode[coding](answer.rawPayload).equals(file.bytes), `${what}: the file on disk`);
        t.equal(answer.headers['content-encoding'], coding === 'identity' ? undefined : coding, `${what}: its coding named`);
        t.equal(answer.headers.vary, coding === 'identity' ? undefined : 'accept-encoding', `${what}: Vary`);
        t.match(answer.headers['content-type'], file.type, `${what}: its type`);
        t.equal(answer.headers.etag, file.etag, `${what}: its tag`);
        t.equal(answer.headers['last-modified'], file.modified.toUTCString(), `${what}: its time`);
        t.equal(answer.headers['cache-control'], 'public, max-age=0', `${what}: revalidated on each use, as @fastify/static sends it`);
        t.match(answer.headers['content-security-policy'], "script-src 'self'", `${what}: a page's headers`);
      }
    }
  }
  const before = new Date(files[0]!.modified.getTime() - 60_000).toUTCString();
  for (const file of files) {
    const head = await app.inject({ method: 'HEAD', url: file.url });
    t.equal(head.statusCode, 200, `HEAD ${file.url}`);
    t.equal(head.headers['content-length'], String(file.size), 'with the length of the file');
    t.equal(head.rawPayload.length, 0, 'and no body');
    for (const [headers, status, what] of [
      [{ 'if-none-match': file.etag }, 304, 'If-None-Match its tag'],
      [{ 'if-none-match': `"other", ${file.etag}` }, 304, 'If-None-Match a list holding its tag'],
      [{ 'if-none-match': '"other"' }, 200, 'If-None-Match another tag'],
      [{ 'if-modified-since': file.modified.toUTCString() }, 304, 'If-Modified-Since its time'],
      [{ 'if-modified-since': before }, 200, 'If-Modified-Since a minute before it'],
      [{ 'if-none-match': file.etag, 'if-modified-since': before }, 200, 'its tag, but a time before it'],
      [{ 'if-none-match': file.etag, 'cache-control': 'no-cache' }, 200, 'its tag, but no-cache'],
    ] as const) {
      const answer = await app.inject({ url: file.url, headers: { ...headers, 'accept-encoding': 'br' } });
      t.equal(answer.statusCode, status, `${file.url}: ${what}`);
      if (status === 304) {
        t.equal(answer.rawPayload.length, 0, `${what}: no body`);
        t.equal(answer.headers.etag, file.etag, `${what}: its tag`);
        t.equal(answer.headers['last-modified'], file.modified.toUTCString(), `${what}: its time`);
        t.notOk(answer.headers['content-type'], `${what}: nothing about the content`);
      } else t.ok(brotliDecompressSync(answer.rawPayload).equals(file.bytes), `${what}: the file`);
    }
  }
  t.same(
    fileAccess.map((capture) => capture.calls.length),
    [0, 0],
    'no request after the first stat or opened a file',
  );
});

t.test("each spelling of a docs page's path is answered from its one kept answer: no file read nor compressed again", async (t) => {
  const app = await build(t);
  const bundle = readFileSync(createRequire(import.meta.url).resolve('@fastify/swagger-ui/static/swagger-ui-bundle.js'));
  const redirect = await app.inject({ url: '/docs/static/index.html' });
  t.equal(redirect.statusCode, 302, 'swagger-ui sends its old page address on');
  for (const coding of ['identity', 'br'] as const) t.equal((await app.inject({ url: '/docs/static/swagger-ui-bundle.js', headers: { 'accept-encoding': coding } })).statusCode, 200);
  const zlib = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  const compress = zlib.createBrotliCompress;
  let streamsCompressed = 0;
  const counted = (...args: Parameters<typeof compress>) => {
    streamsCompressed += 1;
    return compress(...args);
  };
  Object.defineProperty(zlib, 'createBrotliCompress', { value: counted });
  syncBuiltinESMExports();
  t.teardown(() => {
    Object.defineProperty(zlib, 'createBrotliCompress', { value: compress });
    syncBuiltinESMExports();
  });
  const fileAccess = [t.capture(fs, 'stat', fs.stat), t.capture(fs, 'createReadStream', fs.createReadStream)];
  for (const url of ['/docs/static/swagger-ui-b%75ndle.js', '/docs/st%61tic/swagger-ui-bundle.js', '/d%6Fcs/static/swagger-ui-bundl%65.js', '/docs/static/swagger-ui-bundle%2Ejs']) {
    const plain = await app.inject({ url });
    t.equal(plain.statusCode, 200, url);
    t.ok(plain.rawPayload.equals(bundle), `${url}: the file`);
    const coded = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
    t.ok(brotliDecompressSync(coded.rawPayload).equals(bundle), `${url} in br: the file`);
  }
  for (const url of ['/d%6Fcs/st%61tic/%69nde%78.html', '/docs/static/index%2Ehtml']) {
    const spelled = await app.inject({ url });
    t.same([spelled.statusCode, spelled.headers.location], [redirect.statusCode, redirect.headers.location], `${url}: the same redirect`);
  }
  t.same(
    fileAccess.map((capture) => capture.calls.length),
    [0, 0],
    'no spelling stat or opened the file again',
  );
  t.equal(streamsCompressed, 0, 'nor compressed it again');
});

t.test('a docs page path with a dot segment is a 404, not another spelling of a file', async (t) => {
  const app = await build(t);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  // Over a socket: inject resolves dot segments in the URL before the app sees it; the router does not.
  const status = (path: string, headers: Record<string, string> = {}) =>
    new Promise<number>((resolve, reject) => {
      const asked = httpRequest({ host: '127.0.0.1', port, path, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      asked.on('error', reject);
      asked.end();
    });
  t.equal(await status('/docs/static/swagger-ui-bundle.js'), 200, 'the file');
  for (const path of [
    '/docs/static/x/../swagger-ui-bundle.js',
    '/docs/static/./swagger-ui-bundle.js',
    '/docs/static/a%2F..%2Fswagger-ui-bundle.js',
    '/docs/static/x/%2e%2e/swagger-ui-bundle.js',
    '/docs/static/../yaml',
  ]) {
    t.equal(await status(path), 404, path);
    // A request the docs app answers itself (a range, a precondition) is refused the same way.
    t.equal(await status(path, { range: 'bytes=0-9' }), 404, `${path} with Range`);
    t.equal(await status(path, { 'if-match': '*' }), 404, `${path} with If-Match`);
  }
  t.equal(await status('/docs/static/swagger-ui-bundle.js', { range: 'bytes=0-9' }), 206, 'the file with Range');
});

t.test("the docs page's made files (page, initializer, theme, YAML) are tagged by their bytes: 304s, and compressed once", async (t) => {
  const app = await build(t);
  const urls = ['/docs', '/docs/', '/docs/static/swagger-initializer.js', '/docs/static/theme/khabar.css', '/docs/yaml'];
  // Every stream compressed (compression codes a sent file as a stream), counted through node:zlib's own exports,
  // which syncBuiltinESMExports passes on to the modules that import them.
  const zlib = createRequire(import.meta.url)('node:zlib') as typeof import('node:zlib');
  let streamsCompressed = 0;
  // They are read-only but configurable.
  const replace = (name: 'createBrotliCompress' | 'createGzip', value: unknown) => {
    Object.defineProperty(zlib, name, { value });
    syncBuiltinESMExports();
  };
  for (const name of ['createBrotliCompress', 'createGzip'] as const) {
    const original = zlib[name];
    replace(name, (...args: Parameters<typeof original>) => {
      streamsCompressed += 1;
      return original(...args);
    });
    t.teardown(() => replace(name, original));
  }
  const decode = { identity: (bytes: Buffer) => bytes, gzip: gunzipSync, br: brotliDecompressSync };
  const codings = ['identity', 'gzip', 'br'] as const;
  const first = new Map<string, { tag: string; bytes: Buffer }>();
  for (const url of urls) {
    const answer = await app.inject({ url });
    t.equal(answer.statusCode, 200, url);
    t.match(answer.headers.etag, /^"[^"]+"$/, `${url}: a strong tag`);
    first.set(url, { tag: String(answer.headers.etag), bytes: answer.rawPayload });
  }
  for (const round of ['first coded', 'kept']) {
    const compressedBefore = streamsCompressed;
    for (const url of urls) {
      const { tag, bytes } = first.get(url)!;
      for (const coding of codings) {
        const answer = await app.inject({ url, headers: { 'accept-encoding': coding } });
        const what = `${round}: ${url} ${coding}`;
        const coded = coding === 'identity' ? undefined : coding;
        t.equal(answer.headers['content-encoding'], coded, `${what}: its coding`);
        t.ok(decode[coded ?? 'identity'](answer.rawPayload).equals(bytes), `${what}: the same bytes`);
        // Each coding is a representation of its own: the tag names it.
        t.equal(answer.headers.etag, coded === undefined ? tag : tag.replace(/"$/, `.${coded}"`), `${what}: its tag`);
        const again = await app.inject({ url, headers: { 'accept-encoding': coding, 'if-none-match': String(answer.headers.etag) } });
        t.equal(again.statusCode, 304, `${what}: 304 on If-None-Match`);
        t.equal(again.rawPayload.length, 0, `${what}: the 304 has no body`);
        t.equal(again.headers.etag, answer.headers.etag, `${what}: the 304 names the tag held`);
      }
    }
    if (round === 'kept') t.equal(streamsCompressed, compressedBefore, 'no file was compressed again');
    else t.ok(streamsCompressed > compressedBefore, 'their first coded answers were compressed');
  }
  const changed = await app.inject({ url: '/docs/yaml', headers: { 'if-none-match': '"another"' } });
  t.equal(changed.statusCode, 200, 'another tag is not the one held');
});

const theme = fileURLToPath(new URL('../../public/docs/khabar.css', import.meta.url));

/**
 * Makes the first `failures` reads of the theme fail, as a file read can (too many open files): the docs app reads
 * it when it is built. Counts the reads; undone when the test ends.
 */
function failingThemeReads(t: Test, failures: number) {
  const fsExports = createRequire(import.meta.url)('node:fs') as typeof fs;
  const readFile = fsExports.readFileSync;
  const reads = { count: 0 };
  fsExports.readFileSync = ((path: Parameters<typeof readFile>[0], ...rest: [never]) => {
    if (path === theme && ++reads.count <= failures) throw Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' });
    return readFile(path, ...rest);
  }) as typeof readFile;
  syncBuiltinESMExports();
  t.teardown(() => {
    fsExports.readFileSync = readFile;
    syncBuiltinESMExports();
  });
  return reads;
}

t.test('a failed build of the docs app is not kept for good: a request after the wait builds it again', async (t) => {
  let now = Date.parse('2026-12-05T12:00:00Z');
  const app = await build(t, {}, { clock: () => now });
  const themeReads = failingThemeReads(t, 1);

  const failed = await app.inject({ url: '/docs/' });
  t.equal(failed.statusCode, 500, 'the failed build');
  t.equal(body(failed).code, 'internal_error', 'as a problem');
  now += docsAppRetryMs - 1;
  t.equal((await app.inject({ url: '/docs/' })).statusCode, 500, 'within the wait, the same failure');
  t.equal(themeReads.count, 1, 'without building it again');
  now += 1;
  const page = await app.inject({ url: '/docs/' });
  t.equal(page.statusCode, 200, 'after the wait, the next request builds it');
  t.match(page.body, 'theme/khabar.css');
  t.equal(themeReads.count, 2, 'once');
  const css = await app.inject({ url: '/docs/static/theme/khabar.css' });
  t.equal(css.body, readFileSync(theme, 'utf8'), 'and serves the theme');
  await t.resolves(app.close(), 'and closes');
});

t.test('an app whose docs app failed to build closes', async (t) => {
  const app = await buildUnready(t);
  failingThemeReads(t, Number.POSITIVE_INFINITY);
  t.equal((await app.inject({ url: '/docs/' })).statusCode, 500);
  await t.resolves(app.close());
});
