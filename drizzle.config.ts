import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  // The tables the migrations create (search/table.ts only describes FTS5 tables that custom SQL makes).
  schema: ['./src/resources/*/table.ts', './src/facts/table.ts', './src/db/idempotency.ts'],
  out: './migrations',
});
