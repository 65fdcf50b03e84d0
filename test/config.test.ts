import t from 'tap';
import { loadConfig } from '../src/core/config.js';

const secret = (n: number) => `secret-${n}-0123456789abcdef`;

t.test('TRUST_PROXY: false, a hop count, or proxy addresses; true is refused with what to write instead', async (t) => {
  t.equal(loadConfig({}).trustProxy, false, 'off by default');
  t.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
  t.equal(loadConfig({ TRUST_PROXY: '1' }).trustProxy, 1);
  t.same(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8,loopback,uniquelocal' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback', 'uniquelocal']);
  t.throws(() => loadConfig({ TRUST_PROXY: 'true' }), { name: 'ConfigError', message: /^invalid TRUST_PROXY: true trusts every hop.*write the number of proxies.*or their addresses/ });
  t.throws(() => loadConfig({ TRUST_PROXY: '01' }), { name: 'ConfigError', message: 'invalid TRUST_PROXY: a hop count is 1 to 16, in decimal digits without a leading zero (false: no proxy)' });
  t.equal(loadConfig({ TRUST_PROXY: '16' }).trustProxy, 16);
  for (const value of ['0', '17', '0001', '00000000000000000001', 'nginx', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '300.1.1.1', ',']) {
    t.throws(() => loadConfig({ TRUST_PROXY: value }), { name: 'ConfigError', message: /^invalid TRUST_PROXY: / }, value);
  }
});

t.test('API_TOKENS: entries that would collide or could never match stop start-up', async (t) => {
  t.same(loadConfig({ API_TOKENS: `editor:${secret(1)}, ${secret(2)}` }).apiTokens, [
    { name: 'editor', secret: secret(1), role: 'editor' },
    { name: 'token-2', secret: secret(2), role: 'editor' },
  ]);
  const cases: Array<[string, RegExp]> = [
    [`a:${secret(1)},a:${secret(2)}`, /^invalid API_TOKENS: token name a is used twice$/],
    [`a:${secret(1)},b:${secret(1)}`, /^invalid API_TOKENS: token b repeats the secret of an earlier token$/],
    [`${secret(1)},${secret(1)}`, /^invalid API_TOKENS: token token-2 repeats the secret/],
    [`token-2:${secret(1)},${secret(2)}`, /^invalid API_TOKENS: token token-2 is both a bare secret's generated name and an explicit one/],
    [`${secret(1)},token-1:${secret(2)}`, /^invalid API_TOKENS: token token-1 is both/],
    [`a:secret with spaces 0123456789`, /^invalid API_TOKENS: token a has whitespace in its secret$/],
    [`a:short`, /^invalid API_TOKENS: token a is shorter than 16 characters$/],
    [`a@editr:${secret(1)}`, /^invalid API_TOKENS: token a names the role editr; a role is preview, editor, admin$/],
    [`a@:${secret(1)}`, /^invalid API_TOKENS: token a names the role \(none\); a role is preview, editor, admin$/],
    [`ops@newsroom@admin:${secret(1)},b@Admin:${secret(2)}`, /^invalid API_TOKENS: token b names the role Admin/],
    [`@preview:${secret(1)}`, /^invalid API_TOKENS: token token-1 has a role but no name: write name@role:secret$/],
    [`a@preview:${secret(1)},a@admin:${secret(2)}`, /^invalid API_TOKENS: token name a is used twice$/],
    [`a@preview:${secret(1)},b@admin:${secret(1)}`, /^invalid API_TOKENS: token b repeats the secret of an earlier token$/],
  ];
  for (const [value, message] of cases) t.throws(() => loadConfig({ API_TOKENS: value }), { name: 'ConfigError', message }, value);
});

t.test('API_TOKENS: name@role:secret gives a token a role; without one it is an editor, as before roles', async (t) => {
  t.same(loadConfig({ API_TOKENS: `frontend@preview:${secret(1)}, desk:${secret(2)}, ops@admin:${secret(3)}, ${secret(4)}, mail@newsroom@editor:x@y:${secret(5)}` }).apiTokens, [
    { name: 'frontend', secret: secret(1), role: 'preview' },
    { name: 'desk', secret: secret(2), role: 'editor' },
    { name: 'ops', secret: secret(3), role: 'admin' },
    { name: 'token-4', secret: secret(4), role: 'editor' },
    // The role follows the last @ before the first colon: a name may hold an @, a secret colons and @s.
    { name: 'mail@newsroom', secret: `x@y:${secret(5)}`, role: 'editor' },
  ]);
});

t.test('PUBLIC_URL: an origin, else the listening address', async (t) => {
  t.equal(loadConfig({}).publicUrl, 'http://127.0.0.1:3000');
  t.equal(loadConfig({ HOST: '::1', PORT: '8080' }).publicUrl, 'http://[::1]:8080', 'IPv6 in brackets');
  t.equal(loadConfig({ PUBLIC_URL: 'https://news.example/' }).publicUrl, 'https://news.example', 'no trailing slash');
  t.equal(loadConfig({ PUBLIC_URL: 'http://[::1]:8080' }).publicUrl, 'http://[::1]:8080');
  t.equal(loadConfig({ PUBLIC_URL: 'https://news.example:8443/' }).publicUrl, 'https://news.example:8443');
  for (const value of ['news.example', 'ftp://news.example', 'https://news.example/api', 'https://news.example?x=1', 'https://user:pass@news.example', 'https:\\\\news.example']) {
    t.throws(() => loadConfig({ PUBLIC_URL: value }), { name: 'ConfigError', message: /^invalid PUBLIC_URL: / }, value);
  }
  const notAnOrigin = /^invalid PUBLIC_URL: an origin such as https:\/\/news\.example, without credentials, a path, query, fragment or backslash$/;
  for (const value of ['https://news.example\\', 'https://news.example\\@evil.example', 'https://news.example#top', 'https://news.example?q', 'https://user@news.example', 'https://news.example/\\']) {
    t.throws(() => loadConfig({ PUBLIC_URL: value }), { name: 'ConfigError', message: notAnOrigin }, value);
  }
  // What the URL parser would rewrite: the links would not start with what was written.
  const rewritten: Array<[string, string]> = [
    ['HTTPS://News.Example', 'https://news.example'],
    ['https://news.example:443', 'https://news.example'],
    ['https://1.2.3', 'https://1.2.0.3'],
    ['https://news.example#', 'https://news.example'],
    ['https://news.example?', 'https://news.example'],
  ];
  for (const [value, origin] of rewritten) {
    t.throws(() => loadConfig({ PUBLIC_URL: value }), { name: 'ConfigError', message: `invalid PUBLIC_URL: write the origin as a URL parser does: ${origin}` }, JSON.stringify(value));
  }
  for (const value of [' https://news.example\n', 'https://news.ex\tample']) {
    t.equal(
      loadConfig({ PUBLIC_URL: value }).publicUrl,
      'https://news.example',
      `${JSON.stringify(value)}: surrounding spaces, tabs and newlines are dropped before the check, as a URL parser drops them`,
    );
  }
});

t.test('timeouts and the failure budget: defaults, and bad values named', async (t) => {
  t.match(loadConfig({}), { authFailureRateLimitMax: 10, timeouts: { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 5_000 } });
  t.match(loadConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '5000', KEEP_ALIVE_TIMEOUT_MS: '65000' }).timeouts, { requestMs: 5000, headersMs: 5000, keepAliveMs: 65_000 });
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ HEADERS_TIMEOUT_MS: '40000' }, /^invalid HEADERS_TIMEOUT_MS: 40000 is longer than REQUEST_TIMEOUT_MS \(30000\)$/],
    [{ REQUEST_TIMEOUT_MS: '0' }, /^invalid REQUEST_TIMEOUT_MS: /],
    [{ KEEP_ALIVE_TIMEOUT_MS: 'long' }, /^invalid KEEP_ALIVE_TIMEOUT_MS: /],
    [{ AUTH_FAILURE_RATE_LIMIT_MAX: '-1' }, /^invalid AUTH_FAILURE_RATE_LIMIT_MAX: /],
  ];
  for (const [env, message] of cases) t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env));
});

t.test('integer settings are decimal digits: a hex, exponent, sign, space, point or leading zero stops start-up naming the variable', async (t) => {
  // Every integer setting of docs/configuration.md.
  const integerSettings = [
    'PORT',
    'DATABASE_POOL_MAX',
    'WRITE_BATCH_MS',
    'BODY_LIMIT',
    'CACHE_MAX_AGE',
    'CACHE_STALE_WHILE_REVALIDATE',
    'RESPONSE_CACHE_MB',
    'RATE_LIMIT_MAX',
    'RATE_LIMIT_WRITE_MAX',
    'RATE_LIMIT_WINDOW',
    'AUTH_FAILURE_RATE_LIMIT_MAX',
    'REQUEST_TIMEOUT_MS',
    'HEADERS_TIMEOUT_MS',
    'KEEP_ALIVE_TIMEOUT_MS',
    'OVERLOAD_EVENT_LOOP_DELAY_MS',
    'OVERLOAD_HEAP_USED_BYTES',
    'OVERLOAD_RSS_BYTES',
    'OVERLOAD_RETRY_AFTER_S',
    'SHUTDOWN_TIMEOUT_MS',
    'WORKERS',
    'CHANGES_HEARTBEAT_MS',
    'CHANGES_POLL_MS',
    'CHANGES_STREAMS_MAX',
    'CHANGES_STREAMS_PER_CLIENT',
    'WEBHOOK_TIMEOUT_MS',
    'WEBHOOK_CONCURRENCY',
    'WEBHOOK_MAX_ATTEMPTS',
    'WEBHOOK_RETRY_BASE_MS',
    'WEBHOOK_RETRY_MAX_MS',
    'WEBHOOK_POLL_MS',
    'WEBHOOK_DELIVERY_RETENTION_DAYS',
    'TRASH_RETENTION_DAYS',
  ];
  for (const name of integerSettings) {
    for (const value of ['0x10', '1e3', ' 1000', '1000 ', '+1000', '01000', '1000.0', '-1', '1_000', '12345678901234567']) {
      t.throws(
        () => loadConfig({ [name]: value }),
        { name: 'ConfigError', message: new RegExp(`^invalid ${name}: an integer from \\d+ to \\d+, in decimal digits[^\\n]*$`) },
        `${name}=${JSON.stringify(value)}`,
      );
    }
  }
  t.throws(() => loadConfig({ PORT: '65536' }), { name: 'ConfigError', message: 'invalid PORT: an integer from 0 to 65535, in decimal digits (no sign, spaces, exponent or leading zeros)' });
  t.throws(() => loadConfig({ WORKERS: '0' }), { name: 'ConfigError', message: /^invalid WORKERS: an integer from 1 to 64,/ });
  t.equal(loadConfig({ PORT: '0' }).port, 0, '0 is written 0');
  t.equal(loadConfig({ PORT: '8080' }).port, 8080);
  t.equal(loadConfig({ PORT: '' }).port, 3000, 'empty is unset: the default');
  t.equal(loadConfig({ WORKERS: '64' }).workers, 64);
  t.equal(loadConfig({ OVERLOAD_RSS_BYTES: '2147483648' }).overload.maxRssBytes, 2_147_483_648);
  t.equal(loadConfig({ RESPONSE_CACHE_MB: '1' }).responseCacheBytes, 1_048_576);
  t.equal(loadConfig({}).writeBatchMs, 30, "WRITE_BATCH_MS's default, as documented");
  t.equal(loadConfig({ WRITE_BATCH_MS: '250' }).writeBatchMs, 250);
});
