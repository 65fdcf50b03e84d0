CREATE TABLE `mentions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`article_id` text NOT NULL,
	`part` text NOT NULL,
	`start` integer NOT NULL,
	`end` integer NOT NULL,
	`text` text NOT NULL,
	`person_id` text,
	`organisation_id` text,
	`meeting_id` text,
	`origin` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "mentions_one_entity" CHECK(("mentions"."person_id" is not null) + ("mentions"."organisation_id" is not null) + ("mentions"."meeting_id" is not null) = 1),
	CONSTRAINT "mentions_span" CHECK("mentions"."start" >= 0 and "mentions"."end" > "mentions"."start")
);
--> statement-breakpoint
CREATE INDEX `mentions_article_idx` ON `mentions` (`article_id`,`part`,`start`);--> statement-breakpoint
CREATE INDEX `mentions_person_idx` ON `mentions` (`person_id`);--> statement-breakpoint
CREATE INDEX `mentions_organisation_idx` ON `mentions` (`organisation_id`);--> statement-breakpoint
CREATE INDEX `mentions_meeting_idx` ON `mentions` (`meeting_id`);--> statement-breakpoint
CREATE TABLE `provenance` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`person_id` text,
	`organisation_id` text,
	`meeting_id` text,
	`field` text NOT NULL,
	`value` text,
	`article_id` text,
	`part` text,
	`start` integer,
	`end` integer,
	`quote` text,
	`writer` text,
	`recorded_at` text NOT NULL,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "provenance_one_entity" CHECK(("provenance"."person_id" is not null) + ("provenance"."organisation_id" is not null) + ("provenance"."meeting_id" is not null) = 1),
	CONSTRAINT "provenance_source" CHECK(("provenance"."quote" is not null and "provenance"."article_id" is not null) or "provenance"."writer" is not null)
);
--> statement-breakpoint
CREATE INDEX `provenance_person_idx` ON `provenance` (`person_id`,`id`);--> statement-breakpoint
CREATE INDEX `provenance_organisation_idx` ON `provenance` (`organisation_id`,`id`);--> statement-breakpoint
CREATE INDEX `provenance_meeting_idx` ON `provenance` (`meeting_id`,`id`);--> statement-breakpoint
CREATE INDEX `provenance_article_idx` ON `provenance` (`article_id`);