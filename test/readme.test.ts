import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { freePort } from '../bench/free-port.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const token = 'change-me-to-a-long-secret';

/** The README's shell examples: every ```sh block except the install, start and test commands. */
function exampleBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((block) => !/\bnpm |API_TOKENS=/.test(block));
}

// Each curl must get an answer that is neither a server error nor a 404: a 404 is how a README rots
// (a renamed route, a slug that changed). Other 4xx are allowed, for examples that show an error.
const curlGuard = `
curl() {
  local out status
  out=$(command curl -sS -w '\\n%{http_code}' "$@") || { echo "curl failed: $*" >&2; return 1; }
  status=\${out##*$'\\n'}
  printf '%s\\n' "\${out%$'\\n'*}"
  if [ "$status" -ge 500 ] || [ "$status" = 404 ]; then echo "HTTP $status from: curl $*" >&2; return 1; fi
}
`;

t.test('every curl example in the README works as pasted against a fresh server', async (t) => {
  const blocks = exampleBlocks(readme);
  t.ok(blocks.length >= 5, `${blocks.length} example blocks`);
  const dir = mkdtempSync(join(tmpdir(), 'khabar-readme-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const port = await freePort();

  const server = spawn(process.execPath, [new URL('../dist/server.js', import.meta.url).pathname], {
    env: { ...process.env, PORT: String(port), API_TOKENS: `editor:${token}`, DATABASE_URL: `file:${join(dir, 'khabar.db')}`, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  t.teardown(() => server.kill('SIGKILL'));
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const script = `set -e\n${curlGuard}\n${blocks.join('\n').replaceAll('http://127.0.0.1:3000', `http://127.0.0.1:${port}`)}`;
  const run = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` },
  });
  t.equal(run.status, 0, run.stderr || 'all examples ran');
});
