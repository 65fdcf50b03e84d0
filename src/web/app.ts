import Fastify, { type FastifyServerOptions } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../core/config.js';
import { resources } from '../core/resources/registry.js';
import { openServices, type Services } from '../core/services.js';
import { changeRoutes } from './changes/routes.js';
import { factRoutes } from './facts/routes.js';
import bearerAuth from './http/auth.js';
import compression from './http/compression.js';
import conditionalGet from './http/conditional-get.js';
import cors from './http/cors.js';
import decompression from './http/decompression.js';
import { demoRoutes } from './http/demo.js';
import errorHandler, { clientErrorHandler, frameworkErrors } from './http/error-handler.js';
import { healthRoutes } from './http/health.js';
import idempotency from './http/idempotency.js';
import jsonBody from './http/json-body.js';
import largeBodies from './http/large-bodies.js';
import mediaTypes, { jsonMediaType, mergePatchMediaType } from './http/media-types.js';
import allowedMethods from './http/methods.js';
import nodeAnswers from './http/node-answers.js';
import overload from './http/overload.js';
import preconditions from './http/preconditions.js';
import rateLimit from './http/rate-limit.js';
import readYourWrites from './http/read-your-writes.js';
import repeatedParameters from './http/repeated-parameters.js';
import requestIds, { requestId } from './http/request-id.js';
import responseCache, { keptPagesFeed } from './http/response-cache.js';
import securityHeaders from './http/security-headers.js';
import { serializerCompiler } from './http/serializer.js';
import shutdown from './http/shutdown.js';
import { trustProxyOption } from './http/trust-proxy.js';
import unstorableParameters from './http/unstorable-parameters.js';
import visibility from './http/visibility.js';
import { parseQueryString } from './list/querystring.js';
import openApi, { committedContract } from './openapi/plugin.js';
import representations from './representations/index.js';
import { articleImportRoutes } from './resources/articles/import-routes.js';
import { revisionRoutes } from './resources/shared/revision-routes.js';
import { resourceRoutes } from './resources/shared/routes.js';
import { trashRoutes } from './resources/shared/trash-routes.js';
import { searchRoutes } from './search/routes.js';
import { webhookRoutes } from './webhooks/routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

// A path parameter of 200 characters (the longest slug) percent-encoded from four-byte UTF-8.
const maxParamLength = 200 * 12;

type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

function loggerOptions(config: Config, stream?: LoggerOptions['stream']): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'authorization'], censor: '[redacted]' },
    ...(stream ? { stream } : {}),
  };
}

export interface BuildOptions {
  /** Replaces the logger configuration entirely. */
  logger?: FastifyServerOptions['logger'];
  /** Where the configured logger writes (stdout when left out). */
  logStream?: LoggerOptions['stream'];
  /** Describe the routes from their schemas instead of serving the committed openapi.yaml (how `npm run openapi` builds it). */
  openApiFromRoutes?: boolean;
  /** Milliseconds since the epoch, for what public reads see (scheduled articles) and when a failed docs page is built again: `Date.now` unless a test moves time. */
  clock?: () => number;
}

/** Builds the application on the configured database: migrated, seeded when empty, routes registered. */
export async function buildApp(config: Config, options: BuildOptions = {}) {
  const clock = options.clock ?? Date.now;
  const app = Fastify({
    logger: options.logger ?? loggerOptions(config, options.logStream),
    bodyLimit: config.bodyLimit,
    trustProxy: trustProxyOption(config.trustProxy),
    // Slow clients: 408 when the request is not in within requestTimeout (headers within headersTimeout).
    // Both places need requestTimeout: node:http checks headersTimeout against it when it creates the server,
    // and Fastify sets it afterwards (to 0, no limit, unless told). node:http checks the deadlines every
    // connectionsCheckingInterval, 30 s by default: once a second instead.
    requestTimeout: config.timeouts.requestMs,
    keepAliveTimeout: config.timeouts.keepAliveMs,
    // requireHostHeader: a request without Host gets this app's problem, not Node's empty 400 (http/node-answers.ts).
    http: { headersTimeout: config.timeouts.headersMs, requestTimeout: config.timeouts.requestMs, connectionsCheckingInterval: 1000, requireHostHeader: false },
    clientErrorHandler,
    genReqId: requestId,
    routerOptions: {
      // Gathers `filter[field][op]=value` into an object; Fastify's default parser leaves brackets alone.
      querystringParser: parseQueryString,
      maxParamLength,
    },
    frameworkErrors,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(jsonBody, { mediaTypes: [jsonMediaType, mergePatchMediaType] });

  // What the core tells of trouble it survives: the engine's (warn, info) and the background jobs' (error, info).
  const log = {
    error: (message: string, err: unknown) => app.log.error({ err }, message),
    warn: (message: string, err?: unknown) => app.log.warn({ err }, message),
    info: (message: string) => app.log.info(message),
  };
  const services = await openServices(config.databaseUrl, { clock, poolMax: config.databasePoolMax, readUrl: config.databaseReadUrl, writeBatchMs: config.writeBatchMs, log });
  app.decorate('services', services);
  for (const warning of services.warnings) app.log.warn(warning);
  let background: Awaited<ReturnType<typeof services.startBackground>>;
  try {
    const reindexed = await services.prepare(config.seed);
    if (reindexed) app.log.info({ reindexed }, 'search index rebuilt: an older analyser wrote it');
    // Relinking, scheduled publications, webhook deliveries and the retention jobs (core/background.ts).
    background = await services.startBackground({
      clock,
      trashRetentionDays: config.trashRetentionDays,
      webhooks: config.webhooks,
      log,
    });
  } catch (error) {
    // A start that fails leaves no connection open (PostgreSQL's pool and listener would keep a caller's process alive).
    await services.close();
    throw error;
  }
  app.addHook('onClose', async () => {
    await background.stop();
    await services.close();
  });

  // Hooks run in registration order: a plugin whose hooks must follow another's names it in its
  // `dependencies`, so a wrong order fails at start. Routes come last: they get the hooks registered before them.
  await app.register(requestIds);
  await app.register(errorHandler);
  await app.register(overload, config.overload);
  await app.register(shutdown);
  await app.register(securityHeaders);
  await app.register(cors, { origins: config.corsOrigins });
  // After the security and CORS headers, which its 400 carries too.
  await app.register(nodeAnswers);
  // Before every preHandler that reads (the response cache's public view) or writes (idempotency's claims).
  await app.register(readYourWrites, { positions: services.positions });
  await app.register(bearerAuth, {
    tokens: config.apiTokens,
    maxFailures: config.authFailureRateLimitMax,
    windowSeconds: config.rateLimitWindowSeconds,
  });
  await app.register(visibility, { schedule: services.schedule, catchUp: services.catchUp, clock });
  await app.register(allowedMethods);
  await app.register(mediaTypes);
  await app.register(preconditions, { required: config.requireIfMatch });
  await app.register(repeatedParameters);
  await app.register(unstorableParameters);
  await app.register(rateLimit, {
    readMax: config.rateLimitMax,
    writeMax: config.rateLimitWriteMax,
    windowSeconds: config.rateLimitWindowSeconds,
  });
  await app.register(conditionalGet, {
    maxAge: config.cacheMaxAge,
    staleWhileRevalidate: config.cacheStaleWhileRevalidate,
  });
  await app.register(idempotency, { store: services.idempotency });
  await app.register(largeBodies);
  await app.register(decompression);
  await app.register(openApi, { publicUrl: config.publicUrl, source: options.openApiFromRoutes ? 'routes' : { file: committedContract }, clock });
  await app.register(representations, { publicUrl: config.publicUrl });
  // After conditional-get and representations: a hit needs the negotiated format, and a miss keeps the bytes and ETag they made.
  if (config.responseCacheBytes > 0) await app.register(responseCache, { maxBytes: config.responseCacheBytes, clock, feed: keptPagesFeed(services.changes) });
  // Last of the onSend steps: the cache above keeps the identity bytes, and every coding is made from them.
  await app.register(compression);
  await app.register(healthRoutes(services.ping));
  for (const resource of resources) {
    await app.register(resourceRoutes(resource, services.resources[resource.name]));
  }
  await app.register(revisionRoutes(services.revisions));
  await app.register(trashRoutes(services.trash));
  await app.register(factRoutes(services.facts));
  await app.register(changeRoutes(services.changes, config.changeStream));
  await app.register(webhookRoutes(services.webhooks, config.webhooks.allowPrivate));
  await app.register(articleImportRoutes(services.importArticle));
  await app.register(demoRoutes);
  await app.register(searchRoutes(services.search));
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
