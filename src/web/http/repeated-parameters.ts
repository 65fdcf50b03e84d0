import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { type ParsedQuery, repeatedParameter } from '../list/querystring.js';

/**
 * A query parameter given twice (`limit=10&limit=20`, or `filter[title]=a&filter[title][eq]=b`) is refused
 * with a 400 that names it: neither value silently wins, and the client is not told of a type it never sent.
 */
async function repeatedParameters(app: FastifyInstance) {
  // Before validation the query is as the app's querystringParser made it.
  app.addHook<{ Querystring: ParsedQuery }>('preValidation', (request, _reply, done) => {
    const repeated = repeatedParameter(request.query);
    if (repeated) {
      throw new KhabarError('validation_failed', `${repeated.name} is given more than once; give each parameter once`, [{ path: `querystring.${repeated.path}`, message: 'given more than once' }]);
    }
    done();
  });
}

export default fp(repeatedParameters, { name: 'repeated-parameters' });
