import { createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { recordId } from '../resources/shared/fields.js';
import { entityTypes, mentions, provenance } from './table.js';

const offsets = {
  start: z.number().int().meta({ description: 'offset of the first character, in UTF-16 code units (JavaScript string index)' }),
  end: z.number().int().meta({ description: 'offset after the last character: text === article[part].slice(start, end)' }),
};
const part = z.enum(['title', 'body']).meta({ description: 'what the offsets index: the article `title`, or its plain-text body `body_text`' });

const mentionEntity = z
  .object({ type: z.enum(entityTypes), id: recordId, slug: z.string(), name: z.string().meta({ description: "the entity's name (a meeting's title)" }) })
  .meta({ id: 'MentionEntity' });

export const mention = createSelectSchema(mentions, { part, ...offsets })
  .pick({ part: true, start: true, end: true, text: true, origin: true })
  .extend({ entity: mentionEntity })
  .meta({
    id: 'Mention',
    description: 'A span of an article that names a person, an organisation or a meeting; `origin` is `curated` (declared by an editor or the seed) or `auto` (found by entity linking)',
  });

export const mentionList = z.object({ data: z.array(mention) }).meta({ id: 'MentionList' });

const provenanceRecord = createSelectSchema(provenance, {
  part: part.nullable(),
  start: offsets.start.nullable(),
  end: offsets.end.nullable(),
  field: z.string().meta({ description: 'path of the value in the record: `name`, `topics.2`, `affiliations.0.role`', example: 'honorific' }),
  value: z.unknown().meta({ description: 'the value this record supports, as it was recorded' }),
  quote: z.string().nullable().meta({ description: 'the words of the article that state the value; null for a value written through the API' }),
  writer: z.string().nullable().meta({ description: 'the name of the API token that wrote the value; null for a quoted value' }),
})
  .omit({ id: true, person_id: true, organisation_id: true, meeting_id: true })
  .meta({
    id: 'Provenance',
    description:
      'Where a field value came from: a quote of an article (`article_id`, `part`, `start`, `end`, `quote`; the offsets are null when the quote is no longer in the edited article), or a write through the API (`writer`, `recorded_at`)',
  });

export const provenanceList = z.object({ data: z.array(provenanceRecord) }).meta({ id: 'ProvenanceList' });
