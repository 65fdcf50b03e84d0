CREATE TABLE `changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`resource` text NOT NULL,
	`record_id` text NOT NULL,
	`action` text NOT NULL,
	`version` integer NOT NULL,
	`at` text NOT NULL
);
