-- A record's newest revision stores only its relation lists; its row holds the rest until the next write,
-- which stores that revision whole (issue 20: revision 1 of every record was a second copy of it). Rows
-- written before this hold whole snapshots (false), which read as they are.
ALTER TABLE `revisions` ADD `relations_only` integer DEFAULT false NOT NULL;