import Fastify, { type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import bearerAuth from './http/auth.js';
import errorHandler, { frameworkErrors } from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import jsonBody from './http/json-body.js';
import openApi from './http/openapi.js';
import overload from './http/overload.js';
import shutdown from './http/shutdown.js';
import { serializerCompiler } from './http/serializer.js';
import { articleRoutes } from './resources/articles/routes.js';
import { createRepositories, type Repositories } from './resources/index.js';
import { meetingRoutes } from './resources/meetings/routes.js';
import { organisationRoutes } from './resources/organisations/routes.js';
import { personRoutes } from './resources/people/routes.js';
import { isEmpty, seedDatabase } from './seed/seed.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    repositories: Repositories;
  }
}

export const mergePatchMediaType = 'application/merge-patch+json';

// A path parameter of 200 characters (the longest slug) percent-encoded from four-byte UTF-8.
const maxParamLength = 200 * 12;

function loggerOptions(config: Config, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
  };
}

/** Builds the application on the configured database: migrated, seeded when empty, routes registered. */
export async function buildApp(
  config: Config,
  options: { logger?: FastifyServerOptions['logger']; logStream?: NodeJS.WritableStream } = {},
) {
  const database = openDatabase(config.databaseUrl);
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config, options.logStream),
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { maxParamLength },
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(jsonBody, { mediaTypes: ['application/json', mergePatchMediaType] });

  const repositories = createRepositories(database.db);
  app.decorate('database', database);
  app.decorate('repositories', repositories);
  app.addHook('onClose', async () => database.close());
  if (config.seed === 'auto' && isEmpty(repositories)) seedDatabase(repositories);

  await app.register(errorHandler);
  await app.register(overload, config.overload);
  await app.register(shutdown);
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
