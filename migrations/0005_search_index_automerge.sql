-- Full-text index merging (issue 8). Every transaction that writes to the index adds a segment, and FTS5
-- merges a level's segments once it holds `automerge` of them (default 4). With 8, a write does about
-- half the merge work, for a few more segments per query to read: measured at 100,000 articles, writes
-- gain about a tenth and search is unchanged. Kept in the index's own configuration, so it survives
-- `npm run search:reindex`.
INSERT INTO `search_index` (`search_index`, `rank`) VALUES ('automerge', 8);
