import type { GroupCommit, WriteTiming } from '../../db/group-commit.js';

export type { WriteTiming };

import type { StatementExecutor } from '../../db/statements.js';
import { createEmbedder, type Sources } from '../../list/embed.js';
import type { ListQuery, Shaping } from '../../list/query.js';
import type { Visibility } from '../../list/visibility.js';
import type { Resource } from './declaration.js';
import type { RecordReads, Repository, WriteGuard } from './repository.js';
import { writeBodyOf } from './write-body.js';

/** What the web layer reads of any record: its id and the version its ETag is made from. */
export type Versioned = { id: string; version: number };

/** What a write needs besides its input: who writes, the caller's precondition, and where its time went. */
export interface WriteOptions {
  writer: string;
  /**
   * A precondition on the stored record (an If-Match): given a loader of the record, inside the write's
   * transaction, it throws to refuse the write or returns the version the write must still find. Left out when
   * the caller has none.
   */
  condition?: ((load: () => Versioned) => WriteGuard) | undefined;
  /** Learns where the write's time went once it has committed (core/db/group-commit.ts). */
  observe?: ((timing: WriteTiming) => void) | undefined;
}

/**
 * The guard a write of `idOrSlug` runs under: none without a condition; else the condition checked against the
 * stored record, or null when there is no record to check.
 */
async function guardOf(options: WriteOptions, find: (idOrSlug: string) => Promise<Versioned | null>, idOrSlug: string): Promise<WriteGuard | null> {
  if (!options.condition) return {};
  const current = await find(idOrSlug);
  return current && options.condition(() => current);
}

/**
 * A resource as the web layer uses it: each read and each write is one call that returns a promise, and each
 * write runs in its own step of group commit, so what it reads and what it writes see no other write between.
 * Its finds, lists and includes go through `reads`, on the statement executor over the read connection; a write reads and writes through `writer` on its transaction's executor (`tx`). A missing record is null (false for a delete); a refused write rejects with the
 * KhabarError it has always thrown.
 */
export function recordService(resource: Resource, writer: Repository<Versioned, unknown>, reads: RecordReads<Versioned>, statements: StatementExecutor, writes: GroupCommit, sources: Sources) {
  const embed = createEmbedder(statements, resource.list, sources);
  const write = <T>(options: WriteOptions, run: (tx: StatementExecutor) => Promise<T>) => writes.run(run, options.observe);

  return {
    /** The record by id or slug, as `visibility` sees it. */
    async find(idOrSlug: string, visibility?: Visibility) {
      return reads.find(idOrSlug, visibility);
    },

    /** The record's revision as `visibility` sees it (null when it does not), without reading the record. */
    async revision(idOrSlug: string, visibility: Visibility) {
      return reads.revision(idOrSlug, visibility);
    },

    /**
     * The record narrowed by `fields` and with what `include` embeds (`shown`, core/list/embed.ts), and the
     * record as stored: one call however many records it embeds.
     */
    async read(idOrSlug: string, shaping: Shaping, visibility: Visibility) {
      const record = await reads.find(idOrSlug, visibility);
      if (record === null) return null;
      const shown = await embed(
        {
          ids: [record.id],
          async *batches() {
            yield [record];
          },
        },
        shaping,
        visibility,
      );
      return { record, shown };
    },

    /** A page of the list with its includes embedded, and the cursor after the last record it shows. */
    async list(query: ListQuery, visibility: Visibility) {
      const page = await reads.list(query, visibility);
      const shown = await embed(page, query, visibility);
      const nextCursor = shown.cut ? page.cursorAfter(shown.data.length - 1) : page.nextCursor;
      // Whether the next page starts right after the last record shown, not where a bounded walk stopped short of matches.
      const nextFollowsShown = nextCursor !== null && shown.data.length > 0 && nextCursor === page.cursorAfter(shown.data.length - 1);
      return { shown, nextCursor, nextFollowsShown, total: page.total, ids: page.ids, totalMargin: page.totalMargin };
    },

    async create(input: unknown, options: WriteOptions) {
      return write(options, (tx) => writer.create(tx, input, { writer: options.writer }));
    },

    /** The whole record replaced by `input`; null when there is none. */
    async replace(idOrSlug: string, input: unknown, options: WriteOptions) {
      return write(options, async (tx) => {
        const guard = await guardOf(options, (key) => writer.findIn(tx, key), idOrSlug);
        return guard && writer.replace(tx, idOrSlug, input, { writer: options.writer }, guard);
      });
    },

    /** A JSON merge patch read, merged, validated and written in one step of group commit; null when there is no record. */
    async patch(idOrSlug: string, patch: unknown, options: WriteOptions) {
      return write(options, async (tx) => {
        const current = await writer.findIn(tx, idOrSlug);
        if (current === null) return null;
        const guard = options.condition ? options.condition(() => current) : {};
        const merged = writeBodyOf(resource, current, `the patched ${resource.noun}`, patch);
        return writer.replace(tx, current.id, merged, { writer: options.writer }, guard);
      });
    },

    /** Deletes the record (into the trash); false when there is none. */
    async remove(idOrSlug: string, options: WriteOptions) {
      return write(options, async (tx) => {
        const guard = await guardOf(options, (key) => writer.findIn(tx, key), idOrSlug);
        return guard !== null && writer.remove(tx, idOrSlug, { writer: options.writer }, guard);
      });
    },
  };
}

export type RecordService = ReturnType<typeof recordService>;
