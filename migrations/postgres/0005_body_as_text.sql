-- An article's body as its JSON text (src/core/db/postgres-tables.ts): a page's byte budget reads a text value's
-- size from its header, where json's bytes are its output function's, which reads the whole value. The trigger
-- keeping a long body's start names the column, so it is dropped for the change and made again as 0002 made it.
DROP TRIGGER "article_body_starts_update" ON "articles";
--> statement-breakpoint
ALTER TABLE "articles" ALTER COLUMN "body" SET DATA TYPE text collate "C";
--> statement-breakpoint
CREATE TRIGGER "article_body_starts_update" AFTER UPDATE OF "body" ON "articles" FOR EACH ROW EXECUTE FUNCTION "article_body_start_kept"();
