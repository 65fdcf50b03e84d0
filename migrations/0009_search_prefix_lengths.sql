-- Prefix indexes for the prefix lengths a query can hold (issue 17). A prefix term needs three letters after
-- a leading article, so its written side is 3 letters or more (5 after ال, 6 after وال) and its stem side 3 or
-- more: with prefix indexes of 2 and 3 letters only, FTS5 answered a 5- or 6-letter prefix by merging the
-- posting lists of every word it starts (`الداخ*`: every article). Each length here is one b-tree range.
-- A prefix of 2 letters is refused, so that index is dropped. FTS5 cannot change the option of a table in
-- place: the index is created anew, empty, and `user_version` 0 makes the next start rebuild it from the records.
DROP TABLE `search_index`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `search_index` USING fts5(
	type, title, title_stem, body, body_stem,
	content='', contentless_delete=1, tokenize='ascii', prefix='3 4 5 6'
);
--> statement-breakpoint
-- As in 0005: fewer merges per write.
INSERT INTO `search_index` (`search_index`, `rank`) VALUES ('automerge', 8);
--> statement-breakpoint
PRAGMA user_version = 0;
