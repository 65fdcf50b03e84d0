-- The start of each long article body, kept beside it (article_body_starts, migration 0018): a search result
-- holding an 800 KB report reads these 10,322 characters of its stored JSON, twice what a snippet can show
-- (2 × snippetSourceLength in src/core/search/snippet.ts), instead of the whole body. Triggers keep the row in
-- step with every write of a body, by whatever path; a start that holds too little for a snippet (the constant
-- grew) only sends search back to the body itself.
INSERT INTO `article_body_starts` (`article_id`, `start`) SELECT `id`, substr(`body`, 1, 10322) FROM `articles` WHERE length(`body`) > 10322;
--> statement-breakpoint
CREATE TRIGGER `article_body_starts_insert` AFTER INSERT ON `articles` WHEN length(new.`body`) > 10322 BEGIN
	INSERT INTO `article_body_starts` (`article_id`, `start`) VALUES (new.`id`, substr(new.`body`, 1, 10322));
END;
--> statement-breakpoint
CREATE TRIGGER `article_body_starts_update` AFTER UPDATE OF `body` ON `articles` BEGIN
	DELETE FROM `article_body_starts` WHERE `article_id` = old.`id`;
	INSERT INTO `article_body_starts` (`article_id`, `start`) SELECT new.`id`, substr(new.`body`, 1, 10322) WHERE length(new.`body`) > 10322;
END;
