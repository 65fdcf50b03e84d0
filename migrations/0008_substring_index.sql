-- The substring index behind the list filter `contains` (issue 8: an index behind every allowed filter).
-- `contains` is an exact substring match, which no b-tree index can answer: without this index it read
-- every row of the list's sort order, about 140 ms at 100,000 articles. FTS5's trigram tokenizer indexes
-- every run of three characters, so a value of three characters or more is found from the trigrams it
-- holds; `case_sensitive 1` keeps them exact, as `instr` is. Contentless, keyed by `search_documents`
-- like the full-text index, and kept in step by the same indexer (src/search/indexer.ts). One column for
-- every text column a list filters: a record fills the ones it has.
CREATE VIRTUAL TABLE `substring_index` USING fts5(
	slug, title, name, language, country,
	content='', contentless_delete=1, tokenize='trigram case_sensitive 1'
);
--> statement-breakpoint
-- As for the full-text index (0005): fewer merges per write.
INSERT INTO `substring_index` (`substring_index`, `rank`) VALUES ('automerge', 8);
--> statement-breakpoint
INSERT INTO `substring_index` (`rowid`, `slug`, `title`, `language`)
	SELECT d.`doc_id`, a.`slug`, a.`title`, a.`language` FROM `search_documents` d JOIN `articles` a ON a.`id` = d.`record_id` WHERE d.`type` = 'articles';
--> statement-breakpoint
INSERT INTO `substring_index` (`rowid`, `slug`, `name`, `country`)
	SELECT d.`doc_id`, p.`slug`, p.`name`, p.`country` FROM `search_documents` d JOIN `people` p ON p.`id` = d.`record_id` WHERE d.`type` = 'people';
--> statement-breakpoint
INSERT INTO `substring_index` (`rowid`, `slug`, `name`, `country`)
	SELECT d.`doc_id`, o.`slug`, o.`name`, o.`country` FROM `search_documents` d JOIN `organisations` o ON o.`id` = d.`record_id` WHERE d.`type` = 'organisations';
--> statement-breakpoint
INSERT INTO `substring_index` (`rowid`, `slug`, `title`)
	SELECT d.`doc_id`, m.`slug`, m.`title` FROM `search_documents` d JOIN `meetings` m ON m.`id` = d.`record_id` WHERE d.`type` = 'meetings';
--> statement-breakpoint
-- Finishes the merges the load left in progress (as `npm run search:reindex` does for both indices), so that
-- the first writes after the upgrade do not each pay for a share of them: at 100,000 articles, 28 steps.
INSERT INTO `substring_index` (`substring_index`, `rank`) VALUES ('merge', 100000);
