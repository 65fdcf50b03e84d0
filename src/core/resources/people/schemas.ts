import { createInsertSchema, createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { countryCode, nullableText, recordId, slug, text, textList } from '../shared/fields.js';
import { columnFields, ignored, systemColumns, writable } from '../shared/schemas.js';
import { people } from './table.js';

const columns = {
  slug,
  name: text(300).meta({ example: 'علي العدواني' }),
  honorific: nullableText(100).meta({ example: 'اللواء' }),
  position: nullableText(500).meta({ example: 'وكيل وزارة الداخلية الكويتي المؤقت' }),
  country: countryCode,
  aliases: textList(300),
};

const affiliation = z
  .strictObject({
    organisation_id: recordId,
    role: nullableText(300).optional().meta({ example: 'وكيل وزارة الداخلية' }),
    acting: z.boolean().nullable().optional().meta({ description: 'true when the role is held in an acting or interim capacity' }),
  })
  .meta({ id: 'Affiliation' });

const relations = { affiliations: z.array(affiliation).max(50) };

export const person = createSelectSchema(people, columns)
  .extend({ affiliations: z.array(affiliation.required()) })
  .meta({ id: 'Person' });

export const personInput = z
  .strictObject({
    ...columnFields(createInsertSchema(people, columns).omit(systemColumns).shape),
    aliases: columns.aliases.optional(),
    ...writable(relations),
    ...ignored({}),
  })
  .meta({ id: 'PersonWrite' });

export const personPatch = personInput.partial().meta({ id: 'PersonPatch' });

export type Person = z.infer<typeof person>;
export type PersonInput = z.infer<typeof personInput>;
