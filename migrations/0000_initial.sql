CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`country` text,
	`parent_id` text,
	`aliases` text DEFAULT '[]' NOT NULL,
	FOREIGN KEY (`parent_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `organisations_slug_unique` ON `organisations` (`slug`);--> statement-breakpoint
CREATE INDEX `organisations_parent_idx` ON `organisations` (`parent_id`,`id`);--> statement-breakpoint
CREATE INDEX `organisations_kind_idx` ON `organisations` (`kind`,`id`);--> statement-breakpoint
CREATE INDEX `organisations_country_idx` ON `organisations` (`country`,`id`);--> statement-breakpoint
CREATE INDEX `organisations_name_idx` ON `organisations` (`name`,`id`);--> statement-breakpoint
CREATE TABLE `affiliations` (
	`person_id` text NOT NULL,
	`position` integer NOT NULL,
	`organisation_id` text NOT NULL,
	`role` text,
	`acting` integer,
	PRIMARY KEY(`person_id`, `position`),
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `affiliations_organisation_idx` ON `affiliations` (`organisation_id`,`person_id`);--> statement-breakpoint
CREATE TABLE `people` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`name` text NOT NULL,
	`honorific` text,
	`position` text,
	`country` text,
	`aliases` text DEFAULT '[]' NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `people_slug_unique` ON `people` (`slug`);--> statement-breakpoint
CREATE INDEX `people_name_idx` ON `people` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `people_country_idx` ON `people` (`country`,`id`);--> statement-breakpoint
CREATE TABLE `meeting_organisations` (
	`meeting_id` text NOT NULL,
	`position` integer NOT NULL,
	`organisation_id` text NOT NULL,
	PRIMARY KEY(`meeting_id`, `position`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `meeting_organisations_organisation_idx` ON `meeting_organisations` (`organisation_id`,`meeting_id`);--> statement-breakpoint
CREATE TABLE `meeting_participants` (
	`meeting_id` text NOT NULL,
	`position` integer NOT NULL,
	`person_id` text NOT NULL,
	`organisation_id` text,
	`role` text NOT NULL,
	PRIMARY KEY(`meeting_id`, `position`),
	FOREIGN KEY (`meeting_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`person_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `meeting_participants_person_idx` ON `meeting_participants` (`person_id`,`meeting_id`);--> statement-breakpoint
CREATE INDEX `meeting_participants_organisation_idx` ON `meeting_participants` (`organisation_id`,`meeting_id`);--> statement-breakpoint
CREATE TABLE `meetings` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`title` text NOT NULL,
	`status` text NOT NULL,
	`starts_at` text,
	`date_text` text,
	`location` text,
	`summary` text,
	`topics` text DEFAULT '[]' NOT NULL,
	`outcomes` text DEFAULT '[]' NOT NULL,
	`host_organisation_id` text,
	FOREIGN KEY (`host_organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `meetings_slug_unique` ON `meetings` (`slug`);--> statement-breakpoint
CREATE INDEX `meetings_status_idx` ON `meetings` (`status`,`id`);--> statement-breakpoint
CREATE INDEX `meetings_starts_at_idx` ON `meetings` (`starts_at`,`id`);--> statement-breakpoint
CREATE INDEX `meetings_host_idx` ON `meetings` (`host_organisation_id`,`id`);--> statement-breakpoint
CREATE TABLE `article_meetings` (
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `position`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subject_id`) REFERENCES `meetings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `article_meetings_subject_idx` ON `article_meetings` (`subject_id`,`article_id`);--> statement-breakpoint
CREATE TABLE `article_organisations` (
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `position`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subject_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `article_organisations_subject_idx` ON `article_organisations` (`subject_id`,`article_id`);--> statement-breakpoint
CREATE TABLE `article_people` (
	`article_id` text NOT NULL,
	`position` integer NOT NULL,
	`subject_id` text NOT NULL,
	PRIMARY KEY(`article_id`, `position`),
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`subject_id`) REFERENCES `people`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `article_people_subject_idx` ON `article_people` (`subject_id`,`article_id`);--> statement-breakpoint
CREATE TABLE `articles` (
	`id` text PRIMARY KEY NOT NULL,
	`slug` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`title` text NOT NULL,
	`language` text NOT NULL,
	`summary` text,
	`body` text NOT NULL,
	`body_text` text NOT NULL,
	`source` text,
	`published_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `articles_slug_unique` ON `articles` (`slug`);--> statement-breakpoint
CREATE INDEX `articles_published_at_idx` ON `articles` (`published_at`,`id`);--> statement-breakpoint
CREATE INDEX `articles_language_idx` ON `articles` (`language`,`id`);--> statement-breakpoint
CREATE INDEX `articles_title_idx` ON `articles` (`title`,`id`);