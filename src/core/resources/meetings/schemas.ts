import { createInsertSchema, createSelectSchema } from 'drizzle-zod';
import { z } from 'zod';
import { idList, isoDateOrDateTime, nullableText, recordId, slug, text, textList } from '../shared/fields.js';
import { columnFields, ignored, systemColumns, writable } from '../shared/schemas.js';
import { meetingStatuses, meetings, participantRoles } from './table.js';

const columns = {
  slug,
  title: text(500),
  status: z.enum(meetingStatuses),
  starts_at: isoDateOrDateTime.nullable().meta({ description: 'ISO 8601 date, or date-time stored and returned in UTC with milliseconds; null when the source gives no calendar date' }),
  date_text: nullableText(200).meta({ description: 'the date as the source wrote it', example: 'أمس الأربعاء' }),
  location: nullableText(300).meta({ example: 'مقر وزارة الداخلية' }),
  summary: nullableText(5000),
  topics: textList(500),
  outcomes: textList(1000),
  host_organisation_id: recordId.nullable(),
};

const participant = z
  .strictObject({
    person_id: recordId,
    organisation_id: recordId.nullable().optional().meta({ description: 'the organisation the person represented' }),
    role: z.enum(participantRoles),
  })
  .meta({ id: 'Participant' });

const relations = {
  participants: z.array(participant).max(200),
  organisation_ids: idList.meta({ description: 'participating organisations' }),
};
const derived = { article_ids: idList.meta({ description: 'articles that report the meeting' }) };

export const meeting = createSelectSchema(meetings, columns)
  .extend({ participants: z.array(participant.required()), organisation_ids: idList, ...derived })
  .meta({ id: 'Meeting' });

export const meetingInput = z
  .strictObject({
    ...columnFields(createInsertSchema(meetings, columns).omit(systemColumns).shape),
    topics: columns.topics.optional(),
    outcomes: columns.outcomes.optional(),
    ...writable(relations),
    ...ignored(derived),
  })
  .meta({ id: 'MeetingWrite' });

export const meetingPatch = meetingInput.partial().meta({ id: 'MeetingPatch' });

export type Meeting = z.infer<typeof meeting>;
export type MeetingInput = z.infer<typeof meetingInput>;
