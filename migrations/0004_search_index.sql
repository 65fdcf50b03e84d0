-- Full-text search (issue 5). The text indexed here is produced by the application (normaliseArabic
-- plus light stemming), because FTS5's own tokenizers do not fold Arabic: every column holds words
-- separated by spaces, and the ascii tokenizer splits exactly there. Rebuild with `npm run search:reindex`.
CREATE TABLE `search_documents` (
	`doc_id` integer PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`record_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `search_documents_record_idx` ON `search_documents` (`record_id`,`type`);
--> statement-breakpoint
-- Contentless: the original text stays in the resource tables (snippets are cut from there); the
-- index keeps only what ranking needs. `type` is indexed so a type filter is part of MATCH.
CREATE VIRTUAL TABLE `search_index` USING fts5(
	type, title, title_stem, body, body_stem,
	content='', contentless_delete=1, tokenize='ascii', prefix='2 3'
);
