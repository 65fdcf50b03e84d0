import { fts5Index } from '../search/fts5-index.js';
import { changeStamp } from './change-stamp.js';
import { noCommitNotices } from './commit-notices.js';
import { openDatabase } from './database.js';
import type { SqliteEngine } from './engine.js';
import { sqliteStatements } from './statements.js';

/** SQLite's engine on the file a `file:` URL names: reads on the read connection, writes through group commit. */
export function openSqliteEngine(url: string, writeBatchMs?: number): SqliteEngine {
  const database = openDatabase(url, { serving: true, writeBatchMs });
  const { writes, reader } = database;
  const ping = reader.$client.prepare('select 1');
  return {
    name: 'sqlite',
    database,
    reads: sqliteStatements(reader.$client),
    // A background job's claims are writes of group commit like any other: SQLite has one writer.
    writes: { run: (body, observe) => writes.run(body, observe), claim: (body) => writes.run(body), giveBack: (body) => writes.run(body), runWaitingForLock: (body) => writes.run(body) },
    stamp: changeStamp(reader),
    // The stamp reads data_version, which any commit moves: nothing to catch up.
    catchUp: () => Promise.resolve(),
    // Its worker processes poll the file, as they always have: no commit is told.
    notices: noCommitNotices,
    index: fts5Index,
    // Its WAL checkpoints have a thread of their own (database.ts).
    upkeep: null,
    warnings: [],
    positions: null,
    async ping() {
      ping.get();
    },
    async close() {
      database.close();
    },
  };
}
