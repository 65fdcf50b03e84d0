-- Storage (issue 20): tables whose primary key is their row's identity become WITHOUT ROWID, clustered on that
-- key, as the article link tables did in 0010: a rowid table kept the key twice, in the table and in its
-- index. 155 bytes an article at the benchmark's proportions (revisions 78, meeting participants 35, meeting
-- organisations 29, affiliations 10). drizzle-kit cannot express WITHOUT ROWID, so a table it rebuilds one day
-- must be made so again here. The columns keep their order; the rows go in in key order, which fills the pages.
CREATE TABLE `revisions_new` (
	`resource` text NOT NULL,
	`record_id` text NOT NULL,
	`n` integer NOT NULL,
	`action` text NOT NULL,
	`snapshot` blob NOT NULL,
	`writer` text NOT NULL,
	`at` text NOT NULL,
	`relations_only` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`resource`, `record_id`, `n`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `revisions_new` SELECT `resource`, `record_id`, `n`, `action`, `snapshot`, `writer`, `at`, `relations_only` FROM `revisions` ORDER BY `resource`, `record_id`, `n`;
--> statement-breakpoint
DROP TABLE `revisions`;
--> statement-breakpoint
ALTER TABLE `revisions_new` RENAME TO `revisions`;
--> statement-breakpoint
CREATE TABLE `meeting_participants_new` (
	`meeting_id` text NOT NULL,
	`position` integer NOT NULL,
	`person_id` text NOT NULL,
	`organisation_id` text,
	`role` text NOT NULL,
	PRIMARY KEY(`meeting_id`, `position`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE set null
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `meeting_participants_new` SELECT `meeting_id`, `position`, `person_id`, `organisation_id`, `role` FROM `meeting_participants` ORDER BY `meeting_id`, `position`;
--> statement-breakpoint
DROP TABLE `meeting_participants`;
--> statement-breakpoint
ALTER TABLE `meeting_participants_new` RENAME TO `meeting_participants`;
--> statement-breakpoint
CREATE INDEX `meeting_participants_person_idx` ON `meeting_participants` (`person_id`,`meeting_id`);
--> statement-breakpoint
CREATE INDEX `meeting_participants_organisation_idx` ON `meeting_participants` (`organisation_id`,`meeting_id`);
--> statement-breakpoint
CREATE TABLE `meeting_organisations_new` (
	`meeting_id` text NOT NULL,
	`position` integer NOT NULL,
	`organisation_id` text NOT NULL,
	PRIMARY KEY(`meeting_id`, `position`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `meeting_organisations_new` SELECT `meeting_id`, `position`, `organisation_id` FROM `meeting_organisations` ORDER BY `meeting_id`, `position`;
--> statement-breakpoint
DROP TABLE `meeting_organisations`;
--> statement-breakpoint
ALTER TABLE `meeting_organisations_new` RENAME TO `meeting_organisations`;
--> statement-breakpoint
CREATE INDEX `meeting_organisations_organisation_idx` ON `meeting_organisations` (`organisation_id`,`meeting_id`);
--> statement-breakpoint
CREATE TABLE `affiliations_new` (
	`person_id` text NOT NULL,
	`position` integer NOT NULL,
	`organisation_id` text NOT NULL,
	`role` text,
	`acting` integer,
	PRIMARY KEY(`person_id`, `position`),
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `affiliations_new` SELECT `person_id`, `position`, `organisation_id`, `role`, `acting` FROM `affiliations` ORDER BY `person_id`, `position`;
--> statement-breakpoint
DROP TABLE `affiliations`;
--> statement-breakpoint
ALTER TABLE `affiliations_new` RENAME TO `affiliations`;
--> statement-breakpoint
CREATE INDEX `affiliations_organisation_idx` ON `affiliations` (`organisation_id`,`person_id`);
