import { readMigrationFiles } from 'drizzle-orm/migrator';

/**
 * Refuses a database migrated by a newer (or different) khabar, on either engine: its tables may not be what this
 * code reads and writes, and drizzle's migrator would silently carry on. `applied` is the `created_at` of each
 * migration the database records; every one must be a migration of `migrationsFolder`.
 */
export function refuseUnknownMigrations(migrationsFolder: string, applied: readonly number[]): void {
  const known = new Set(readMigrationFiles({ migrationsFolder }).map((migration) => migration.folderMillis));
  const unknown = applied.find((createdAt) => !known.has(createdAt));
  if (unknown !== undefined) {
    throw new Error(`its schema has a migration this code does not know (created ${new Date(unknown).toISOString()}): run the khabar version that wrote it, or restore a backup`);
  }
}
