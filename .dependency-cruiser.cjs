// The layering of src/ (docs/architecture.md), checked by `npm run depcruise` at the start of `npm test`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-not-web',
      severity: 'error',
      comment: 'The core knows no HTTP: it never imports the web layer.',
      from: { path: '^src/core/' },
      to: { path: '^src/web/' },
    },
    {
      name: 'core-not-fastify',
      severity: 'error',
      comment: 'The core knows no HTTP: no fastify, @fastify/* or fastify-* package, not even for a type.',
      from: { path: '^src/core/' },
      to: { path: '(^|/)node_modules/(fastify|@fastify/[^/]+|fastify-[^/]+)/' },
    },
    {
      name: 'web-not-engine',
      severity: 'error',
      comment:
        'The web layer never learns which engine runs: it reaches the data through core/services.ts, never through the driver, Drizzle, the connection or its handle.',
      from: { path: '^src/web/' },
      to: { path: ['(^|/)node_modules/(better-sqlite3|drizzle-orm|pg)/', '^src/core/db/(database|handles|group-commit|engine[a-z-]*)\\.ts$'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module that imports itself through others: split the part both sides need into its own module.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that imports nothing: use it or remove it.',
      from: { orphan: true, path: '^src/' },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a core module may not even name a Fastify type.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
