-- One stored form for date-times (src/resources/shared/fields.ts): UTC with milliseconds, as
-- Date#toISOString writes it. Lists sort and filter date-times as text, which is time order only when
-- every value has the same form; rows written before this migration kept the offset and precision they
-- were sent with. strftime reads any ISO 8601 offset and writes milliseconds; a value it cannot read is
-- left alone. Meetings' starts_at may be a date, which stays a date.
--
-- A rewritten row gets a new version, so its ETag changes with its bytes. updated_at stays: the instant
-- is the same, only its spelling changed.
UPDATE `articles`
SET `published_at` = strftime('%Y-%m-%dT%H:%M:%fZ', `published_at`), `version` = `version` + 1
WHERE `published_at` <> strftime('%Y-%m-%dT%H:%M:%fZ', `published_at`);
--> statement-breakpoint
UPDATE `meetings`
SET `starts_at` = strftime('%Y-%m-%dT%H:%M:%fZ', `starts_at`), `version` = `version` + 1
WHERE length(`starts_at`) > 10 AND `starts_at` <> strftime('%Y-%m-%dT%H:%M:%fZ', `starts_at`);
