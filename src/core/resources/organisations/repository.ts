import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { KhabarError } from '../../errors.js';
import { meetings } from '../meetings/table.js';
import { affiliations } from '../people/table.js';
import { listRelation } from '../shared/relations.js';
import { createRepository } from '../shared/repository.js';
import { organisationList } from './list.js';
import type { Organisation, OrganisationInput } from './schemas.js';
import { organisations } from './table.js';

export function organisationRepository(db: Db) {
  const parentOf = db
    .select({ parent_id: organisations.parent_id })
    .from(organisations)
    .where(eq(organisations.id, sql.placeholder('id')))
    .prepare();
  const firstChild = db
    .select({ id: organisations.id })
    .from(organisations)
    .where(eq(organisations.parent_id, sql.placeholder('id')))
    .limit(1)
    .prepare();
  const firstHosted = db
    .select({ id: meetings.id })
    .from(meetings)
    .where(eq(meetings.host_organisation_id, sql.placeholder('id')))
    .limit(1)
    .prepare();

  /** An organisation may not become its own ancestor. */
  function assertNoCycle(input: OrganisationInput, id: string | null) {
    const seen = new Set<string>();
    for (let at = input.parent_id ?? null; at && id; at = parentOf.get({ id: at })?.parent_id ?? null) {
      if (at === id || seen.has(at)) {
        throw new KhabarError('invalid_reference', 'an organisation cannot be its own ancestor', [{ path: 'parent_id', message: 'would make a cycle of parent organisations' }]);
      }
      seen.add(at);
    }
  }

  return createRepository<Organisation, OrganisationInput>(db, {
    table: organisations,
    noun: 'organisation',
    list: organisationList,
    relations: [
      listRelation({
        key: 'members',
        table: affiliations,
        parent: 'organisation_id',
        orderBy: affiliations.person_id,
        item: { person_id: affiliations.person_id, role: affiliations.role, acting: affiliations.acting },
      }),
    ],
    references: (input) => (input.parent_id ? [{ path: 'parent_id', table: organisations, id: input.parent_id }] : []),
    validate: assertNoCycle,
    inUse(id) {
      if (firstChild.get({ id })) return 'other organisations name it as their parent';
      if (firstHosted.get({ id })) return 'it hosts meetings';
      return null;
    },
  });
}
