CREATE INDEX `organisations_updated_at_idx` ON `organisations` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `people_updated_at_idx` ON `people` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `meetings_title_idx` ON `meetings` (`title`,`id`);--> statement-breakpoint
CREATE INDEX `meetings_updated_at_idx` ON `meetings` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_updated_at_idx` ON `articles` (`updated_at`,`id`);