-- Storage (issue 20): a revision's snapshot is stored without the fields a read computes, as deflated JSON
-- (src/core/revisions/store.ts). SQL cannot deflate, so the rows written before this stay JSON text in the
-- blob column, which the store reads as they are.
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_revisions` (
	`resource` text NOT NULL,
	`record_id` text NOT NULL,
	`n` integer NOT NULL,
	`action` text NOT NULL,
	`snapshot` blob NOT NULL,
	`writer` text NOT NULL,
	`at` text NOT NULL,
	PRIMARY KEY(`resource`, `record_id`, `n`)
);
--> statement-breakpoint
INSERT INTO `__new_revisions`("resource", "record_id", "n", "action", "snapshot", "writer", "at") SELECT "resource", "record_id", "n", "action", "snapshot", "writer", "at" FROM `revisions`;--> statement-breakpoint
DROP TABLE `revisions`;--> statement-breakpoint
ALTER TABLE `__new_revisions` RENAME TO `revisions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;