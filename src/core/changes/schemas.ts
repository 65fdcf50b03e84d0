import { createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { recordId } from '../resources/shared/fields.js';
import { changes } from './table.js';

/** The largest seq a request may name: SQLite's integers and JSON's safe ones agree up to here. */
const maxSeq = Number.MAX_SAFE_INTEGER;

/**
 * A seq as a request writes it (`?after=`, `Last-Event-ID`): decimal digits only, at most as many as `maxSeq` has.
 * Coercing as JavaScript does would take `0x10`, `1e3`, ` 7 ` and the empty string (0) for seqs.
 */
export const seq = z
  .string()
  .max(16)
  .regex(/^[0-9]{1,16}$/, 'a seq is written in decimal digits, at most 16')
  .transform(Number)
  .pipe(z.number().int().max(maxSeq));

const columns = createSelectSchema(changes, {
  seq: z.number().int().meta({ description: 'the event’s place in the feed: 1, 2, … in commit order, without gaps' }),
  resource: z.string().meta({ description: 'the resource of the record (`articles`, `people`, …): its path under /v1', example: 'people' }),
  action: (schema) =>
    schema.meta({
      description:
        '`created`, `updated`, `trashed` (a DELETE, into the trash), `restored` (from the trash, or a revision restored) or `purged` (erased from the trash); for an article, `published` when a write sets its status to `published` from another (a create is `created`) and, with no write, once when a scheduled article’s `published_at` comes (with the version it has then), `unpublished` when it leaves `published`',
    }),
  version: z.number().int().meta({ description: 'the record’s version after the change (the version it had, for `trashed` and `purged`)' }),
  at: z.string().meta({ description: 'when the change was written (UTC), in its transaction; for a scheduled publication, its announcement: at its `published_at`, or when a server next starts' }),
}).shape;

/** One event of the feed, as the list and the stream send it: the record's id is `id`. */
export const changeEvent = z.object({ seq: columns.seq, resource: columns.resource, id: recordId, action: columns.action, version: columns.version, at: columns.at }).meta({ id: 'Change' });

export type Change = z.infer<typeof changeEvent>;
