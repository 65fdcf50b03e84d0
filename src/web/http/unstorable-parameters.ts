import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { KhabarError } from '../../core/errors.js';
import { unstorableString } from './unstorable.js';

/**
 * A route parameter or query value holding what no stored text holds (a NUL, a lone surrogate: bodies with one
 * are refused) is a 400 naming it, on either engine: it could match nothing, and PostgreSQL refuses to be sent a NUL.
 */
async function unstorableParameters(app: FastifyInstance) {
  app.addHook('preValidation', (request, _reply, done) => {
    const found = unstorableString(request.params, 'params') ?? unstorableString(request.query, 'querystring');
    if (found) throw new KhabarError('validation_failed', `${found.path} ${found.message}`, [found]);
    done();
  });
}

export default fp(unstorableParameters, { name: 'unstorable-parameters' });
