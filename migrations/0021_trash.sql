CREATE TABLE `trash` (
	`resource` text NOT NULL,
	`record_id` text NOT NULL,
	`slug` text NOT NULL,
	`version` integer NOT NULL,
	`trashed_at` text NOT NULL,
	`writer` text NOT NULL,
	`links` text NOT NULL,
	PRIMARY KEY(`resource`, `record_id`)
);
--> statement-breakpoint
CREATE INDEX `trash_trashed_at_idx` ON `trash` (`resource`,`trashed_at`,`record_id`);