import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { freePort } from '../bench/free-port.js';
import { serverArgs } from './server-process.js';

// The README's tour runs first, then every example of the API guide, in one shell against one server.
const documents = ['README.md', 'docs/api.md'].map((path) => ({ path, markdown: readFileSync(new URL(`../${path}`, import.meta.url), 'utf8') }));
const token = 'change-me-to-a-long-secret';
const previewToken = 'change-me-to-another-secret';

/** A document's shell examples: every ```sh block except the install, start and test commands. */
function exampleBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => !/\bnpm |API_TOKENS=/.test(block));
}

/** An HTTP status an example states in a comment: a whole word from 200 to 599. */
const statedStatus = /\b[2-5]\d\d\b/;
const startsCurl = /^(\s*)curl /;

/**
 * Marks each curl whose status its example states. A comment line that names a status ("# create: 201 with a
 * Location header") states it for the next command that starts with curl; a comment after a command
 * ("…    # 304") for the command it ends, which starts on the nearest line above that starts with curl.
 * The marked curl runs as `EXPECT=<status> curl …`; a curl inside it, such as `$(etag_of …)`, is expanded
 * before that assignment and keeps the default rule.
 */
function markStatedStatuses(block: string): { script: string; stated: number[] } {
  const lines = block.split('\n');
  const stated: number[] = [];
  const mark = (index: number | undefined, status: number, comment: string) => {
    if (index === undefined || !startsCurl.test(lines[index]!)) throw new Error(`no curl command for the status in: ${comment}`);
    lines[index] = lines[index]!.replace(startsCurl, `$1EXPECT=${status} curl `);
    stated.push(status);
  };
  lines.forEach((line, i) => {
    const ownComment = /^\s*#\s*(.*)$/.exec(line);
    const trailing = ownComment ? null : /\s#\s(.*)$/.exec(line);
    const comment = ownComment?.[1] ?? trailing?.[1];
    const status = comment && statedStatus.exec(comment);
    if (!status) return;
    const curlLines = lines.map((text, k) => (startsCurl.test(text) ? k : -1)).filter((k) => k >= 0);
    const target = ownComment ? curlLines.find((k) => k > i) : curlLines.filter((k) => k <= i).at(-1);
    mark(target, Number(status[0]), comment);
  });
  return { script: lines.join('\n'), stated };
}

// Each curl must get the status its example states, or else a success or redirect (below 400): a 404 is how
// a README rots (a renamed route, a slug that changed), a 401 how an auth change would break every write.
// Failures go to a file as well as stderr, so a curl in a pipeline (`curl … | head -n 1`) cannot hide one; the
// status is recorded before the body is printed, since \`head\` may close the pipe mid-body and end the function there.
const curlGuard = `
curl() {
  local out status want="\${EXPECT:-}" failed=0
  # A stream (the change stream) is cut by its --max-time, which curl reports as exit 28; its status still counts.
  out=$(command curl -sS "$@" -w '\\n%{http_code}') || { [ $? -eq 28 ] && [[ " $* " == *" --max-time "* ]]; } || { echo "curl failed: $*" | tee -a "$FAILURES" >&2; return 1; }
  status=\${out##*$'\\n'}
  if [ -n "$want" ]; then
    echo "$want" >> "$CHECKED"
    if [ "$status" != "$want" ]; then echo "HTTP $status, the example says $want: curl $*" | tee -a "$FAILURES" >&2; failed=1; fi
  elif [ "$status" -ge 400 ]; then echo "HTTP $status from: curl $*" | tee -a "$FAILURES" >&2; failed=1; fi
  printf '%s\\n' "\${out%$'\\n'*}"
  return $failed
}
`;

t.test('the stated statuses are found where the README puts them', async (t) => {
  const { script, stated } = markStatedStatuses(
    [
      '# create: 201 with a Location header',
      'curl -s -X POST http://x \\',
      "  -d '{}'",
      'curl -s http://x/y \\',
      '  -H "If-None-Match: $(etag_of http://x/y)"    # 304',
      '# list (limit 1–100)',
      'curl -s http://x',
    ].join('\n'),
  );
  t.same(stated, [201, 304]);
  t.equal(
    script,
    [
      '# create: 201 with a Location header',
      'EXPECT=201 curl -s -X POST http://x \\',
      "  -d '{}'",
      'EXPECT=304 curl -s http://x/y \\',
      '  -H "If-None-Match: $(etag_of http://x/y)"    # 304',
      '# list (limit 1–100)',
      'curl -s http://x',
    ].join('\n'),
  );
  t.throws(() => markStatedStatuses('# delete: 204\necho nothing'), /no curl command for the status in: delete: 204/);
});

t.test('every curl example in the README and docs/api.md works as pasted against a fresh server', async (t) => {
  for (const { path, markdown } of documents) t.ok(exampleBlocks(markdown).length > 0, `${path} has examples`);
  const blocks = documents.flatMap(({ markdown }) => exampleBlocks(markdown)).map(markStatedStatuses);
  t.ok(blocks.length >= 5, `${blocks.length} example blocks`);
  const stated = blocks.flatMap((block) => block.stated);
  // The statuses the examples print beside them: each must be among those checked.
  for (const status of [201, 204, 304, 400, 405, 406, 412]) t.ok(stated.includes(status), `the examples state a ${status}`);
  const dir = mkdtempSync(join(tmpdir(), 'khabar-readme-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const port = await freePort();

  const server = spawn(process.execPath, serverArgs, {
    env: { ...process.env, PORT: String(port), API_TOKENS: `editor:${token},frontend@preview:${previewToken}`, DATABASE_URL: `file:${join(dir, 'khabar.db')}`, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  t.teardown(() => server.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const examples = blocks.map((block) => block.script).join('\n');
  const script = `set -e\n${curlGuard}\n${examples.replaceAll('http://127.0.0.1:3000', `http://127.0.0.1:${port}`)}`;
  const failures = join(dir, 'failures');
  const checked = join(dir, 'checked');
  const run = spawnSync('bash', ['-c', `: > "$FAILURES"; : > "$CHECKED"; ${script}`], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, FAILURES: failures, CHECKED: checked },
  });
  t.equal(run.status, 0, run.stderr || 'all examples ran');
  t.equal(readFileSync(failures, 'utf8'), '', 'no curl answered other than as its example says');
  t.same(readFileSync(checked, 'utf8').split('\n').filter(Boolean).map(Number), stated, 'every stated status was checked, in order');
});

t.test('the webhook examples of the README and the docs subscribe the URL the contract’s examples do', async (t) => {
  const contract = parse(readFileSync(new URL('../openapi.yaml', import.meta.url), 'utf8')) as { components: { examples: Record<string, { value: { url?: string } }> } };
  const contractUrl = contract.components.examples.WebhookWrite_body?.value.url;
  t.type(contractUrl, 'string', 'the contract has an example subscription');
  for (const path of ['README.md', 'docs/webhooks.md']) {
    const markdown = readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
    const urls = [...markdown.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    t.ok(urls.length > 0, `${path} subscribes a webhook`);
    t.same(new Set(urls), new Set([contractUrl]), `${path}: the contract’s example URL`);
  }
});
