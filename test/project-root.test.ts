import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { findProjectRoot, projectFile } from '../src/core/project-root.js';

// The checkout's root, from this test file's own place in it.
const root = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

t.test('the root is found from where the resolver sits in each layout: src/ (tsx), dist/ (tsc), dist/bundle/ (esbuild)', async (t) => {
  for (const folder of ['src/core', 'dist/core', 'dist/bundle']) t.equal(findProjectRoot(join(root, folder)), root, folder);
  t.equal(projectFile('migrations'), join(root, 'migrations'));
});

t.test('a folder with no package.json above it is an error, not a guess', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'khabar-root-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  t.throws(() => findProjectRoot(folder), /no package\.json at or above/);
});
