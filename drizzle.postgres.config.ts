import { defineConfig } from 'drizzle-kit';

// PostgreSQL's migrations, generated from the tables src/core/db/postgres-tables.ts builds from the SQLite declarations
// (docs/postgresql.md): `npx drizzle-kit generate --config drizzle.postgres.config.ts`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/core/db/postgres-tables.ts',
  out: './migrations/postgres',
});
