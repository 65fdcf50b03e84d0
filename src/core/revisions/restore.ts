import type { StatementExecutor } from '../db/statements.js';
import { KhabarError } from '../errors.js';
import type { ResourceName } from '../resources/registry.js';
import type { Resource } from '../resources/shared/declaration.js';
import type { Versioned, WriteOptions } from '../resources/shared/record-service.js';
import type { Repository } from '../resources/shared/repository.js';
import { writeBodyOf } from '../resources/shared/write-body.js';
import type { TrashStore } from '../trash/store.js';
import type { RevisionStore } from './store.js';

/** What a restore writes with: the resource's declaration and repository, the revisions and the trash. */
export interface Restoring {
  resource: Resource<ResourceName>;
  repository: Repository<Versioned, unknown>;
  revisions: RevisionStore;
  trash: TrashStore;
}

/*
 * Restores write a revision's content back as a new write, in a write's transaction on its executor (`tx`, either
 * engine), where they read the revision, the trash entry and the record as the write sees them.
 */

/**
 * Writes revision `n`'s content as a new revision of the record `idOrSlug` names: a replace of the record, or, when
 * it is deleted, a create under its id at the number its restore's revision will have (so no earlier ETag matches
 * it). What names no record is taken as a deleted record's id. Null when there is no such revision.
 */
export async function restoreRevision(tx: StatementExecutor, { resource, repository, revisions }: Restoring, idOrSlug: string, n: number, options: Pick<WriteOptions, 'writer' | 'condition'>) {
  const current = await repository.findIn(tx, idOrSlug);
  const id = current?.id ?? idOrSlug;
  const revision = await revisions.find(tx, resource.name, id, n);
  if (revision === null) return null;
  const body = writeBodyOf(resource, revision.record, `revision ${n}`);
  const context = { writer: options.writer, restoring: n };
  if (current) return repository.replace(tx, current.id, body, context, options.condition ? options.condition(() => current) : {});
  if (options.condition) throw new KhabarError('precondition_failed', `this ${resource.noun} is deleted: no ETag matches it`);
  return repository.create(tx, body, context, { id, version: await revisions.nextNumber(tx, resource.name, id) });
}

/** Puts a trashed record back as its last revision stored it, with the links kept; null when it is not in the trash. */
export async function restoreTrashed(tx: StatementExecutor, { resource, repository, revisions, trash }: Restoring, id: string, writer: string) {
  if ((await trash.find(tx, resource.name, id)) === null) return null;
  // The delete wrote the record's last revision: nothing writes one after it while it is in the trash.
  const [last] = (await revisions.page(tx, resource.name, id, 1)).rows;
  const revision = last && (await revisions.find(tx, resource.name, id, last.n));
  if (!revision) return null;
  const body = writeBodyOf(resource, revision.record, `the trashed ${resource.noun}`);
  return repository.create(tx, body, { writer, restoring: revision.n }, { id, version: await revisions.nextNumber(tx, resource.name, id) });
}
