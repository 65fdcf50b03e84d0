import { z } from 'zod';

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const recordId = z.string().max(36).regex(uuidShape, 'must be a record id').meta({ id: 'RecordId', example: '019ac9d0-5c1e-7c4a-9f3b-2d1e8a7b6c5d' });

/** Letters and digits of any script joined by hyphens; never shaped like an id, so id-or-slug lookups cannot collide. */
export const slug = z
  .string()
  .min(1)
  .max(200)
  // The class written once (each letter or digit may follow one hyphen, none leads), so the contract spells its code point ranges once.
  .regex(/^(?!-)(?:-?[\p{L}\p{N}])+$/u, 'must be letters and digits joined by single hyphens')
  .refine((value) => !uuidShape.test(value), 'must not look like a record id')
  // `/v1/{resource}/trash` is the trash's listing: a record of that slug could not be read by it.
  .refine((value) => value !== 'trash', 'must not be `trash`, which names the trash')
  .meta({ id: 'Slug', example: 'علي-العدواني' });

/** Trimmed, non-empty text of bounded length. */
export const text = (max: number) => z.string().trim().min(1).max(max);
export const nullableText = (max: number) => text(max).nullable();

/**
 * The one stored form of a date-time: UTC with milliseconds, fixed width (`Date#toISOString`). Stored
 * date-times are compared and sorted as text, which is time order only when they all share one form.
 */
const canonicalDateTime = (value: string): string => new Date(value).toISOString();

// Bounded like every request string, so no field can carry an oversized value past validation. Finer than
// milliseconds is refused rather than cut, so a write never loses part of what it was given.
export const isoDateTime = z.iso
  .datetime({ offset: true, abort: true })
  .max(40)
  .refine((value) => !/\.\d{4}/.test(value), 'must have at most millisecond precision')
  .overwrite(canonicalDateTime)
  .meta({
    // Named, so the contract states its long pattern once and every date-time field refers to it.
    id: 'DateTime',
    description: 'ISO 8601 date-time with Z or an offset, to at most milliseconds; stored and returned in UTC with milliseconds',
    example: '2026-11-25T09:00:00.000Z',
  });
const dateOrDateTimeMessage = 'must be an ISO 8601 date, or a date-time with Z or an offset to at most milliseconds';
/** A calendar date as given, or a date-time in its stored form: as text, a date sorts just before the times of its day. */
export const isoDateOrDateTime = z.union([z.iso.date({ error: dateOrDateTimeMessage }).max(10), isoDateTime], { error: dateOrDateTimeMessage }).meta({ id: 'DateOrDateTime' });

export const countryCode = z
  .string()
  .max(2)
  .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')
  .nullable()
  .meta({ example: 'KW' });

export const languageTag = z
  .string()
  .max(35)
  .regex(/^[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 language tag')
  .meta({ example: 'ar' });

export const idList = z.array(recordId).max(200);
export const textList = (max: number) => z.array(text(max)).max(100);

/** A property a GET returns but a write ignores, so that a GET body can be sent back unchanged. */
export const readOnly = <T extends z.ZodType>(schema: T) => schema.optional().meta({ readOnly: true, description: 'read-only: ignored on write' });
