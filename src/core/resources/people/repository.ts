import { organisations } from '../organisations/table.js';
import { listRelation } from '../shared/relations.js';
import { createRepository } from '../shared/repository.js';
import { personList } from './list.js';
import type { Person, PersonInput } from './schemas.js';
import { affiliations, people } from './table.js';

type AffiliationInput = NonNullable<PersonInput['affiliations']>[number];

export function personRepository() {
  return createRepository<Person, PersonInput>({
    table: people,
    noun: 'person',
    list: personList,
    relations: [
      listRelation({
        key: 'affiliations',
        table: affiliations,
        parent: 'person_id',
        item: { organisation_id: affiliations.organisation_id, role: affiliations.role, acting: affiliations.acting },
        toRow: (item: AffiliationInput, person_id, position) => ({
          person_id,
          position,
          organisation_id: item.organisation_id,
          role: item.role ?? null,
          acting: item.acting ?? null,
        }),
      }),
    ],
    references: (input) =>
      (input.affiliations ?? []).map((item, i) => ({
        path: `affiliations.${i}.organisation_id`,
        table: organisations,
        id: item.organisation_id,
      })),
  });
}
