-- Full-text search and `contains` on PostgreSQL (docs/postgresql.md): the counterparts of SQLite's FTS5 tables
-- search_index and substring_index, which drizzle-kit does not model. Both are keyed like SQLite's by
-- search_documents.doc_id, under the column name SQLite's tables give it (rowid), so the indexer's statements
-- name the same columns on both engines; deleting a document deletes its entries.
--
-- The core writes the same normalised words and light stems as on SQLite (src/core/search/indexer.ts). Each is
-- read as a tsvector with the `simple` configuration, which only splits and lower-cases: the text is already
-- folded and stemmed, and a language configuration would stem it again. One GIN index holds the four vectors;
-- a prefix is `word:*` on it.
CREATE TABLE "search_index" (
	"rowid" bigint PRIMARY KEY NOT NULL REFERENCES "search_documents" ("doc_id") ON DELETE CASCADE,
	"type" text COLLATE "C" NOT NULL,
	"title" text COLLATE "C" NOT NULL,
	"title_stem" text COLLATE "C" NOT NULL,
	"body" text COLLATE "C" NOT NULL,
	"body_stem" text COLLATE "C" NOT NULL,
	"title_words" tsvector GENERATED ALWAYS AS (to_tsvector('simple', "title")) STORED NOT NULL,
	"title_stems" tsvector GENERATED ALWAYS AS (to_tsvector('simple', "title_stem")) STORED NOT NULL,
	"body_words" tsvector GENERATED ALWAYS AS (to_tsvector('simple', "body")) STORED NOT NULL,
	"body_stems" tsvector GENERATED ALWAYS AS (to_tsvector('simple', "body_stem")) STORED NOT NULL
);
--> statement-breakpoint
CREATE INDEX "search_index_vectors_idx" ON "search_index" USING gin ("title_words", "title_stems", "body_words", "body_stems");
--> statement-breakpoint
-- `contains` is a substring match, which no b-tree answers: pg_trgm's GIN index finds the rows holding a value's
-- trigrams, and `like '%…%'` rechecks them exactly. Trusted since PostgreSQL 13: the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
-- One column for every text column a list filters, as SQLite's substring_index: a record fills the ones it has.
CREATE TABLE "substring_index" (
	"rowid" bigint PRIMARY KEY NOT NULL REFERENCES "search_documents" ("doc_id") ON DELETE CASCADE,
	"slug" text COLLATE "C",
	"title" text COLLATE "C",
	"name" text COLLATE "C",
	"language" text COLLATE "C",
	"country" text COLLATE "C"
);
--> statement-breakpoint
-- A multicolumn GIN index serves a condition on any of its columns as well as one index per column would.
CREATE INDEX "substring_index_trigrams_idx" ON "substring_index" USING gin ("slug" gin_trgm_ops, "title" gin_trgm_ops, "name" gin_trgm_ops, "language" gin_trgm_ops, "country" gin_trgm_ops);
