DROP INDEX "articles_published_at_idx";--> statement-breakpoint
DROP INDEX "articles_published_by_id_idx";--> statement-breakpoint
DROP INDEX "articles_published_by_date_idx";--> statement-breakpoint
DROP INDEX "articles_published_by_title_idx";--> statement-breakpoint
DROP INDEX "articles_published_by_update_idx";--> statement-breakpoint
DROP INDEX "articles_published_by_language_idx";--> statement-breakpoint
DROP INDEX "articles_published_by_status_idx";--> statement-breakpoint
DROP INDEX "meetings_starts_at_idx";--> statement-breakpoint
CREATE INDEX "articles_published_at_idx" ON "articles" USING btree ("published_at" NULLS FIRST,"id");--> statement-breakpoint
CREATE INDEX "articles_published_by_id_idx" ON "articles" USING btree ("id","published_at" NULLS FIRST) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "articles_published_by_date_idx" ON "articles" USING btree ("published_at" NULLS FIRST,"id") WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "articles_published_by_title_idx" ON "articles" USING btree ("title","id","published_at" NULLS FIRST) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "articles_published_by_update_idx" ON "articles" USING btree ("updated_at","id","published_at" NULLS FIRST) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "articles_published_by_language_idx" ON "articles" USING btree ("language","id","published_at" NULLS FIRST) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "articles_published_by_status_idx" ON "articles" USING btree ("status","id","published_at" NULLS FIRST) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX "meetings_starts_at_idx" ON "meetings" USING btree ("starts_at" NULLS FIRST,"id");