CREATE TABLE `article_body_starts` (
	`article_id` text PRIMARY KEY NOT NULL,
	`start` text NOT NULL,
	FOREIGN KEY (`article_id`) REFERENCES `articles`(`id`) ON UPDATE no action ON DELETE cascade
);
