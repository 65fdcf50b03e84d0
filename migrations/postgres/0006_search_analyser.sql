-- The analyser version that wrote the search index (SQLite keeps it in `user_version`, which PostgreSQL has no
-- counterpart of): one row, 0 until a rebuild records its version, so the first start rebuilds, as on SQLite.
CREATE TABLE "search_analyser" (
	"id" smallint PRIMARY KEY CHECK ("id" = 1),
	"version" integer NOT NULL
);
--> statement-breakpoint
INSERT INTO "search_analyser" ("id", "version") VALUES (1, 0);
