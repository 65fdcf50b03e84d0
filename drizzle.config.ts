import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  // The tables the migrations create (search/table.ts only describes FTS5 tables that custom SQL makes).
  schema: [
    './src/core/resources/*/table.ts',
    './src/core/facts/table.ts',
    './src/core/db/idempotency.ts',
    './src/core/revisions/table.ts',
    './src/core/changes/table.ts',
    './src/core/webhooks/table.ts',
    './src/core/trash/table.ts',
  ],
  out: './migrations',
});
