-- SQLite's triggers and its change feed numbering, on PostgreSQL (docs/postgresql.md): what keeps derived rows in
-- step with every way of writing (the API, a bulk load, another node), so the same statements run on both engines.

-- The name index's revision (SQLite's migration 0007): a random revision that every change to a person's or an
-- organisation's name forms replaces, so a node's name index notices a change it did not make.
INSERT INTO "name_forms_revision" ("id", "revision") VALUES (1, replace(gen_random_uuid()::text, '-', ''));
--> statement-breakpoint
CREATE FUNCTION "name_forms_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "name_forms_revision" SET "previous" = "revision", "revision" = replace(gen_random_uuid()::text, '-', '');
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "people_name_forms_insert_delete" AFTER INSERT OR DELETE ON "people" FOR EACH ROW EXECUTE FUNCTION "name_forms_changed"();
--> statement-breakpoint
-- json has no equality: its text, which PostgreSQL keeps as written, is compared, as SQLite compares the stored text.
CREATE TRIGGER "people_name_forms_update" AFTER UPDATE OF "name", "honorific", "aliases" ON "people" FOR EACH ROW
WHEN (old."name" IS DISTINCT FROM new."name" OR old."honorific" IS DISTINCT FROM new."honorific" OR old."aliases"::text IS DISTINCT FROM new."aliases"::text)
EXECUTE FUNCTION "name_forms_changed"();
--> statement-breakpoint
CREATE TRIGGER "organisations_name_forms_insert_delete" AFTER INSERT OR DELETE ON "organisations" FOR EACH ROW EXECUTE FUNCTION "name_forms_changed"();
--> statement-breakpoint
CREATE TRIGGER "organisations_name_forms_update" AFTER UPDATE OF "name", "aliases" ON "organisations" FOR EACH ROW
WHEN (old."name" IS DISTINCT FROM new."name" OR old."aliases"::text IS DISTINCT FROM new."aliases"::text)
EXECUTE FUNCTION "name_forms_changed"();
--> statement-breakpoint
-- The start of each long article body, kept beside it (SQLite's migration 0019): the first 10,322 characters of
-- the stored JSON, for a body longer than that; the bodies already stored first.
INSERT INTO "article_body_starts" ("article_id", "start") SELECT "id", substr("body"::text, 1, 10322) FROM "articles" WHERE length("body"::text) > 10322;
--> statement-breakpoint
CREATE FUNCTION "article_body_start_kept"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		DELETE FROM "article_body_starts" WHERE "article_id" = old."id";
	END IF;
	IF length(new."body"::text) > 10322 THEN
		INSERT INTO "article_body_starts" ("article_id", "start") VALUES (new."id", substr(new."body"::text, 1, 10322));
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "article_body_starts_insert" AFTER INSERT ON "articles" FOR EACH ROW EXECUTE FUNCTION "article_body_start_kept"();
--> statement-breakpoint
CREATE TRIGGER "article_body_starts_update" AFTER UPDATE OF "body" ON "articles" FOR EACH ROW EXECUTE FUNCTION "article_body_start_kept"();
--> statement-breakpoint
-- The change feed's seq: SQLite's single writer numbers events gaplessly in commit order. An identity sequence
-- does neither (a rolled-back write leaves a gap; seq 11 can commit before seq 10, and a reader past 11 would
-- never see 10). So an event's seq is taken from this one row, updated in the event's transaction: a rollback gives
-- its number back, and like AUTOINCREMENT the count never goes back when old events are pruned. An appending write
-- takes the table's lock before its serializable snapshot (core/db/postgres-write.ts), so it reads the committed
-- count rather than being refused for an update it waited on.
CREATE TABLE "changes_counter" (
	"id" bigint PRIMARY KEY CHECK ("id" = 1),
	"seq" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "changes_counter" ("id", "seq") SELECT 1, coalesce(max("seq"), 0) FROM "changes";
--> statement-breakpoint
CREATE FUNCTION "changes_next_seq"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE "changes_counter" SET "seq" = "seq" + 1 RETURNING "seq" INTO new."seq";
	RETURN new;
END $$;
--> statement-breakpoint
CREATE TRIGGER "changes_seq" BEFORE INSERT ON "changes" FOR EACH ROW EXECUTE FUNCTION "changes_next_seq"();
