import { createInsertSchema, createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { idList, isoDateTime, languageTag, nullableText, slug, text } from '../shared/fields.js';
import { columnFields, ignored, systemColumns, writable } from '../shared/schemas.js';
import { articleStatuses, articles, blockTypes } from './table.js';

const maxBlocks = 1000;
const maxBlockText = 20_000;

const block = z
  .strictObject({ type: z.enum(blockTypes), text: text(maxBlockText) })
  .meta({ id: 'Block', example: { type: 'paragraph', text: 'عقد وكيل وزارة الداخلية الكويتي المؤقت اللواء علي العدواني اجتماعًا…' } });

const columns = {
  slug,
  title: text(500),
  language: languageTag,
  summary: nullableText(2000),
  body: z.array(block).min(1).max(maxBlocks),
  source: nullableText(500).meta({ description: 'attribution: who the facts come from' }),
  published_at: isoDateTime.nullable(),
  status: z.enum(articleStatuses).meta({
    description: 'draft and archived articles, and published ones whose published_at is still ahead (scheduled), are seen only with a token',
    example: 'published',
  }),
};

const relations = {
  person_ids: idList.meta({ description: 'people the article is about' }),
  organisation_ids: idList.meta({ description: 'organisations the article is about' }),
  meeting_ids: idList.meta({ description: 'meetings the article reports' }),
};
const derived = {
  body_text: z
    .string()
    .max(maxBlocks * (maxBlockText + 2))
    .meta({ description: 'the body as plain text: blocks joined by blank lines' }),
};

/** What an article embedded by `include` leaves out: its text, up to megabytes a record; the full article is a GET away. */
export const unembeddedArticleFields = ['body', 'body_text'] as const;

const stored = createSelectSchema(articles, columns);
const { source, published_at, status } = stored.shape;

/** The stored columns with the plain text (not stored: migration 0010) right after the blocks it is made of. */
export const article = stored
  .omit({ source: true, published_at: true, status: true })
  .extend({ body_text: z.string(), source, published_at, status, ...relations })
  .meta({ id: 'Article' });

export const articleInput = z
  .strictObject({
    ...columnFields(createInsertSchema(articles, columns).omit(systemColumns).shape),
    // Left out, the column's default: published, as every article was before drafts.
    status: columns.status.optional(),
    ...writable(relations),
    ...ignored(derived),
  })
  .meta({ id: 'ArticleWrite' });

export const articlePatch = articleInput.partial().meta({ id: 'ArticlePatch' });

export type Article = z.infer<typeof article>;
export type ArticleInput = z.infer<typeof articleInput>;
