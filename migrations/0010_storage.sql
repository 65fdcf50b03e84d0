-- Storage (issue 20): the body is stored once. `body_text` was a second copy of it, as plain text; what reads
-- it in SQL now derives it from the blocks (articleBodyText in src/core/resources/articles/table.ts), and a read
-- of a record derives it in JS, as it already did. Bytes per article before and after: docs/performance.md.
ALTER TABLE `articles` DROP COLUMN `body_text`;
--> statement-breakpoint
-- The link tables become WITHOUT ROWID, clustered on their primary key (article, position): a rowid table kept
-- each link twice, in the table and in the key's index. drizzle-kit cannot express WITHOUT ROWID, so a table
-- it rebuilds one day must be made so again here. The rows go in in key order, which fills the pages.
CREATE TABLE `article_people_new` (
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `position`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subject_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `article_people_new` SELECT `article_id`, `position`, `subject_id` FROM `article_people` ORDER BY `article_id`, `position`;
--> statement-breakpoint
DROP TABLE `article_people`;
--> statement-breakpoint
ALTER TABLE `article_people_new` RENAME TO `article_people`;
--> statement-breakpoint
CREATE INDEX `article_people_subject_idx` ON `article_people` (`subject_id`,`article_id`);
--> statement-breakpoint
CREATE TABLE `article_organisations_new` (
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `position`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subject_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `article_organisations_new` SELECT `article_id`, `position`, `subject_id` FROM `article_organisations` ORDER BY `article_id`, `position`;
--> statement-breakpoint
DROP TABLE `article_organisations`;
--> statement-breakpoint
ALTER TABLE `article_organisations_new` RENAME TO `article_organisations`;
--> statement-breakpoint
CREATE INDEX `article_organisations_subject_idx` ON `article_organisations` (`subject_id`,`article_id`);
--> statement-breakpoint
CREATE TABLE `article_meetings_new` (
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `position`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subject_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `article_meetings_new` SELECT `article_id`, `position`, `subject_id` FROM `article_meetings` ORDER BY `article_id`, `position`;
--> statement-breakpoint
DROP TABLE `article_meetings`;
--> statement-breakpoint
ALTER TABLE `article_meetings_new` RENAME TO `article_meetings`;
--> statement-breakpoint
CREATE INDEX `article_meetings_subject_idx` ON `article_meetings` (`subject_id`,`article_id`);
