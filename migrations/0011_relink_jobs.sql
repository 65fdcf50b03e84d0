-- Articles to link again after a name change, worked off after the write that recorded them
-- (src/core/facts/relink-jobs.ts) instead of inside it.
CREATE TABLE `relink_jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` text,
	`organisation_id` text,
	`meeting_id` text,
	`forms` text NOT NULL,
	`after` text DEFAULT '' NOT NULL,
	`owner` text,
	`lease_until` integer,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "relink_jobs_one_entity" CHECK(("relink_jobs"."person_id" is not null) + ("relink_jobs"."organisation_id" is not null) + ("relink_jobs"."meeting_id" is not null) = 1)
);
