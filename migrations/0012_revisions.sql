CREATE TABLE `revisions` (
	`resource` text NOT NULL,
	`record_id` text NOT NULL,
	`n` integer NOT NULL,
	`action` text NOT NULL,
	`snapshot` text NOT NULL,
	`writer` text NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`resource`, `record_id`, `n`)
);
