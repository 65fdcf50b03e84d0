import { publicArticleId } from '../articles/publication.js';
import { articleMeetings } from '../articles/table.js';
import { organisations } from '../organisations/table.js';
import { people } from '../people/table.js';
import { listRelation } from '../shared/relations.js';
import { createRepository, type Reference } from '../shared/repository.js';
import { meetingList } from './list.js';
import type { Meeting, MeetingInput } from './schemas.js';
import { meetingOrganisations, meetingParticipants, meetings } from './table.js';

type ParticipantInput = NonNullable<MeetingInput['participants']>[number];

function meetingReferences(input: MeetingInput): Reference[] {
  const references: Reference[] = [];
  if (input.host_organisation_id) {
    references.push({ path: 'host_organisation_id', table: organisations, id: input.host_organisation_id });
  }
  (input.participants ?? []).forEach((participant, i) => {
    references.push({ path: `participants.${i}.person_id`, table: people, id: participant.person_id });
    if (participant.organisation_id) {
      references.push({ path: `participants.${i}.organisation_id`, table: organisations, id: participant.organisation_id });
    }
  });
  (input.organisation_ids ?? []).forEach((id, i) => {
    references.push({ path: `organisation_ids.${i}`, table: organisations, id });
  });
  return references;
}

export function meetingRepository() {
  return createRepository<Meeting, MeetingInput>({
    table: meetings,
    noun: 'meeting',
    list: meetingList,
    relations: [
      listRelation({
        key: 'participants',
        table: meetingParticipants,
        parent: 'meeting_id',
        item: { person_id: meetingParticipants.person_id, organisation_id: meetingParticipants.organisation_id, role: meetingParticipants.role },
        toRow: (item: ParticipantInput, meeting_id, position) => ({
          meeting_id,
          position,
          person_id: item.person_id,
          organisation_id: item.organisation_id ?? null,
          role: item.role,
        }),
      }),
      listRelation({
        key: 'organisation_ids',
        table: meetingOrganisations,
        parent: 'meeting_id',
        item: meetingOrganisations.organisation_id,
        toRow: (organisation_id: string, meeting_id, position) => ({ meeting_id, position, organisation_id }),
      }),
      listRelation({
        key: 'article_ids',
        table: articleMeetings,
        parent: 'subject_id',
        orderBy: articleMeetings.article_id,
        item: articleMeetings.article_id,
        visibleItem: publicArticleId,
      }),
    ],
    references: meetingReferences,
  });
}
