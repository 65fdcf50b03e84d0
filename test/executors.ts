import type { StatementExecutor } from '../src/core/db/statements.js';

/** `tx` whose single-row reads (`get`) run through `around`, which makes the read when it calls `read`: a race staged between statements. */
export function aroundReads(tx: StatementExecutor, around: <Row>(read: () => Promise<Row | undefined>) => Promise<Row | undefined>): StatementExecutor {
  return {
    dialect: tx.dialect,
    prepare(query, use) {
      const prepared = tx.prepare(query, use);
      return {
        all: (bindings) => prepared.all(bindings),
        run: (bindings) => prepared.run(bindings),
        get: (bindings) => around(() => prepared.get(bindings)),
      };
    },
  };
}
