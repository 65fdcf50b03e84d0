/**
 * The server `npm start` runs: src/web/server.ts and the pure-JS packages it loads in one ES module,
 * dist/bundle/server.js. Loading the same code as about 770 files, each found, read and compiled on its own, was
 * about half of a cold start (docs/performance.md). Run by `npm run build`; the CLIs stay on tsc's dist/.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunks are named by their content hash: an earlier build's would stay beside this one's.
rmSync(join(root, 'dist/bundle'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { server: 'src/web/server.ts' },
  outdir: 'dist/bundle',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Our own lazy import()s stay lazy: a split chunk, loaded by the first request that needs it.
  splitting: true,
  sourcemap: true,
  // Loaded from node_modules: the native drivers; the docs page's packages, which serve files from their own
  // folders; the YAML parser, a CommonJS package imported lazily, whose split chunk would export only `default`.
  external: ['better-sqlite3', 'pg', '@fastify/swagger', '@fastify/swagger-ui', '@fastify/static', 'yaml'],
  // The CommonJS packages bundled require() Node's built-ins, which an ES module has no require() for. (Their
  // __dirname is left undefined: only pino's transports use it, and the log goes to stdout without one.) The
  // import is renamed so that it cannot collide with a bundled module's own `createRequire`.
  banner: { js: "import { createRequire as bannerCreateRequire } from 'node:module'; const require = bannerCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
