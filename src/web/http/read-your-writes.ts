import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import { traitsOf } from './traits.js';
import { appendVary } from './vary.js';

/** The header a successful write answers with its position, and a read sends back to see that write on any node. */
export const positionHeader = 'Khabar-Position';
const positionField = positionHeader.toLowerCase();

type Positions = NonNullable<Services['positions']>;
type Scope = ReturnType<Positions['scope']>;

/**
 * Read-your-writes across nodes and a read replica (docs/postgresql.md, the read replica): every successful write
 * answers `Khabar-Position` with the primary's log position after it, and a request carrying it back is served
 * from a database that has replayed at least that much. Not a position: 400. On SQLite (no positions) the header
 * is neither answered nor read, so its answers do not vary by it.
 */
async function readYourWrites(app: FastifyInstance, options: { positions: Services['positions'] }) {
  const { positions } = options;
  if (positions === null) return;
  const scopes = new WeakMap<FastifyRequest, Scope>();

  // After the body is read (its stream's callbacks would leave the scope), before the hooks and handler that read.
  app.addHook('preHandler', (request, _reply, done) => {
    const sent = request.headers[positionField];
    const after = sent === undefined ? null : positions.parse(String(sent));
    if (sent !== undefined && after === null) {
      throw new KhabarError('validation_failed', `${positionHeader} is not a position: send back the one a write answered`, [
        { path: `headers.${positionField}`, message: 'a position such as 16/B374D848' },
      ]);
    }
    const scope = positions.scope(after);
    scopes.set(request, scope);
    positions.within(scope, done);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    // A data read carrying a position may be answered by the primary, newer than the replica's answer to one without:
    // a shared cache must not give one client's answer to another (whatever the status: a record not yet replicated is a 404).
    if (traitsOf(request).formats !== undefined) appendVary(reply, positionHeader);
    const written = scopes.get(request)?.written ?? null;
    if (written !== null && reply.statusCode < 300) reply.header(positionHeader, positions.format(written));
    done(null, payload);
  });
}

export default fp(readYourWrites, { name: 'read-your-writes' });
