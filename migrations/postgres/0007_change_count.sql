-- How many telling writes have committed (src/core/db/postgres-change-signal.ts): each advances it in the statement
-- that sends its notification, and a node reads it before a request consults its caches, so that a commit no
-- notification has yet brought is not served from them. SQLite needs none: its data_version is as exact.
CREATE TABLE "change_count" (
	"id" smallint PRIMARY KEY CHECK ("id" = 1),
	"n" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "change_count" ("id", "n") VALUES (1, 0);
