import { createInsertSchema, createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { countryCode, nullableText, recordId, slug, text, textList } from '../shared/fields.js';
import { columnFields, ignored, systemColumns } from '../shared/schemas.js';
import { organisationKinds, organisations } from './table.js';

const columns = {
  slug,
  name: text(300).meta({ example: 'وزارة الداخلية الكويتية' }),
  kind: z.enum(organisationKinds),
  country: countryCode,
  parent_id: recordId.nullable(),
  aliases: textList(300),
};

const member = z.object({ person_id: recordId, role: nullableText(300), acting: z.boolean().nullable() }).meta({ id: 'Member' });

const derived = { members: z.array(member) };

export const organisation = createSelectSchema(organisations, columns).extend(derived).meta({ id: 'Organisation' });

export const organisationInput = z
  .strictObject({
    ...columnFields(createInsertSchema(organisations, columns).omit(systemColumns).shape),
    aliases: columns.aliases.optional(),
    ...ignored({ members: derived.members.max(10_000) }),
  })
  .meta({ id: 'OrganisationWrite' });

export const organisationPatch = organisationInput.partial().meta({ id: 'OrganisationPatch' });

export type Organisation = z.infer<typeof organisation>;
export type OrganisationInput = z.infer<typeof organisationInput>;
