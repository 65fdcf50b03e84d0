-- What a running server's name index for entity linking was built from (src/facts/index.ts): a random
-- revision that every change to a person's or an organisation's name forms (name, aliases, honorific)
-- replaces, made by triggers so that no way of writing (the API, a bulk load, another worker process) can
-- leave an index stale without its noticing.
CREATE TABLE `name_forms_revision` (
	`id` integer PRIMARY KEY NOT NULL,
	`revision` text NOT NULL,
	`previous` text,
	CONSTRAINT "name_forms_revision_one_row" CHECK("name_forms_revision"."id" = 1)
);
--> statement-breakpoint
INSERT INTO `name_forms_revision` (`id`, `revision`) VALUES (1, lower(hex(randomblob(16))));
--> statement-breakpoint
CREATE TRIGGER `people_name_forms_insert` AFTER INSERT ON `people` BEGIN
	UPDATE `name_forms_revision` SET `previous` = `revision`, `revision` = lower(hex(randomblob(16)));
END;
--> statement-breakpoint
CREATE TRIGGER `people_name_forms_update` AFTER UPDATE OF `name`, `honorific`, `aliases` ON `people`
WHEN old.`name` IS NOT new.`name` OR old.`honorific` IS NOT new.`honorific` OR old.`aliases` IS NOT new.`aliases` BEGIN
	UPDATE `name_forms_revision` SET `previous` = `revision`, `revision` = lower(hex(randomblob(16)));
END;
--> statement-breakpoint
CREATE TRIGGER `people_name_forms_delete` AFTER DELETE ON `people` BEGIN
	UPDATE `name_forms_revision` SET `previous` = `revision`, `revision` = lower(hex(randomblob(16)));
END;
--> statement-breakpoint
CREATE TRIGGER `organisations_name_forms_insert` AFTER INSERT ON `organisations` BEGIN
	UPDATE `name_forms_revision` SET `previous` = `revision`, `revision` = lower(hex(randomblob(16)));
END;
--> statement-breakpoint
CREATE TRIGGER `organisations_name_forms_update` AFTER UPDATE OF `name`, `aliases` ON `organisations`
WHEN old.`name` IS NOT new.`name` OR old.`aliases` IS NOT new.`aliases` BEGIN
	UPDATE `name_forms_revision` SET `previous` = `revision`, `revision` = lower(hex(randomblob(16)));
END;
--> statement-breakpoint
CREATE TRIGGER `organisations_name_forms_delete` AFTER DELETE ON `organisations` BEGIN
	UPDATE `name_forms_revision` SET `previous` = `revision`, `revision` = lower(hex(randomblob(16)));
END;
