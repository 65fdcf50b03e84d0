CREATE TABLE `scheduled_publications` (
	`article_id` text PRIMARY KEY NOT NULL,
	`due_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduled_publications_due_idx` ON `scheduled_publications` (`due_at`,`article_id`);--> statement-breakpoint
-- The articles already scheduled when this migration runs: their publication is announced when it comes due.
INSERT INTO `scheduled_publications` (`article_id`, `due_at`)
SELECT `id`, `published_at` FROM `articles` WHERE `status` = 'published' AND `published_at` > strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
