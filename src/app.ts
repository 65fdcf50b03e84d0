import Fastify, { type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import bearerAuth from './http/auth.js';
import errorHandler from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import openApi from './http/openapi.js';
import { serializerCompiler } from './http/serializer.js';
import { articleRoutes } from './resources/articles/routes.js';
import { createRepositories, type Repositories } from './resources/index.js';
import { meetingRoutes } from './resources/meetings/routes.js';
import { organisationRoutes } from './resources/organisations/routes.js';
import { personRoutes } from './resources/people/routes.js';
import { seedIfEmpty } from './seed/seed.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    repositories: Repositories;
  }
}

export const mergePatchMediaType = 'application/merge-patch+json';

function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
}

/** Builds the application on the configured database: migrated, seeded when empty, routes registered. */
export async function buildApp(config: Config, options: { logger?: FastifyServerOptions['logger'] } = {}) {
  const database = openDatabase(config.databaseUrl);
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addContentTypeParser(mergePatchMediaType, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const repositories = createRepositories(database.db);
  app.decorate('database', database);
  app.decorate('repositories', repositories);
  app.addHook('onClose', async () => database.close());
  seedIfEmpty(repositories, config.seed);

  await app.register(errorHandler);
  await app.register(bearerAuth, { tokens: config.apiTokens });
  await app.register(openApi);
  await app.register(healthRoutes(database));
  await app.register(articleRoutes(repositories));
  await app.register(personRoutes(repositories));
  await app.register(organisationRoutes(repositories));
  await app.register(meetingRoutes(repositories));
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
