import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startServer } from '../server-process.js';

t.setTimeout(120_000);

const root = new URL('../../', import.meta.url).pathname;
const generated = 'clients/typescript/schema.d.ts';

t.test(`${generated} is what openapi-typescript makes of openapi.yaml (run \`npm run client\` after \`npm run openapi\`)`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'khabar-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const output = join(dir, 'schema.d.ts');
  const result = spawnSync(`${root}node_modules/.bin/openapi-typescript`, ['openapi.yaml', '-o', output], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  t.equal(result.status, 0, result.stderr);
  t.equal(readFileSync(join(root, generated), 'utf8'), readFileSync(output, 'utf8'));
});

t.test('the example lists the articles and the people they mention, against the real server', async (t) => {
  const server = await startServer({ DATABASE_URL: 'file::memory:' });
  t.teardown(() => server.stop());
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'clients/typescript/example.ts'], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, KHABAR_URL: server.url },
    timeout: 60_000,
  });
  t.equal(result.status, 0, result.stderr);
  const lines = result.stdout.trim().split('\n');
  t.match(lines[0], /^العدواني بحث مع وفد من «الداخلية» السعودية/);
  t.same(lines.slice(1).sort(), ['  - اللواء صالح المربع (المشرف على وكالة وزارة الداخلية للأحوال المدنية السعودية)', '  - اللواء علي العدواني (وكيل وزارة الداخلية الكويتي المؤقت)']);
});
