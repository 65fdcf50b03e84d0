CREATE INDEX `articles_published_by_id_idx` ON `articles` (`id`,`published_at`) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX `articles_published_by_date_idx` ON `articles` (`published_at`,`id`) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX `articles_published_by_title_idx` ON `articles` (`title`,`id`,`published_at`) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX `articles_published_by_update_idx` ON `articles` (`updated_at`,`id`,`published_at`) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX `articles_published_by_language_idx` ON `articles` (`language`,`id`,`published_at`) WHERE status = 'published';--> statement-breakpoint
CREATE INDEX `articles_published_by_status_idx` ON `articles` (`status`,`id`,`published_at`) WHERE status = 'published';