import { eq, sql } from 'drizzle-orm';
import { type StatementExecutor, statement } from '../../db/statements.js';
import { KhabarError } from '../../errors.js';
import { meetings } from '../meetings/table.js';
import { affiliations } from '../people/table.js';
import { listRelation } from '../shared/relations.js';
import { createRepository } from '../shared/repository.js';
import { organisationList } from './list.js';
import type { Organisation, OrganisationInput } from './schemas.js';
import { organisations } from './table.js';

// An organisation's own checks, written once and prepared on the write's executor (`tx`), as its writes are.
const parentOf = statement
  .select({ parent_id: organisations.parent_id })
  .from(organisations)
  .where(eq(organisations.id, sql.placeholder('id')));
const firstChild = statement
  .select({ id: organisations.id })
  .from(organisations)
  .where(eq(organisations.parent_id, sql.placeholder('id')))
  .limit(1);
const firstHosted = statement
  .select({ id: meetings.id })
  .from(meetings)
  .where(eq(meetings.host_organisation_id, sql.placeholder('id')))
  .limit(1);

/** An organisation may not become its own ancestor: the parents followed up from the input's, as `tx` sees them. */
async function assertNoCycle(tx: StatementExecutor, input: OrganisationInput, id: string | null) {
  const parent = tx.prepare(parentOf);
  const seen = new Set<string>();
  for (let at = input.parent_id ?? null; at && id; at = (await parent.get({ id: at }))?.parent_id ?? null) {
    if (at === id || seen.has(at)) {
      throw new KhabarError('invalid_reference', 'an organisation cannot be its own ancestor', [{ path: 'parent_id', message: 'would make a cycle of parent organisations' }]);
    }
    seen.add(at);
  }
}

/** Why an organisation cannot be deleted (others name it as their parent, it hosts meetings), or null. */
async function inUse(tx: StatementExecutor, id: string): Promise<string | null> {
  if (await tx.prepare(firstChild).get({ id })) return 'other organisations name it as their parent';
  if (await tx.prepare(firstHosted).get({ id })) return 'it hosts meetings';
  return null;
}

export function organisationRepository() {
  return createRepository<Organisation, OrganisationInput>({
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
    inUse,
  });
}
