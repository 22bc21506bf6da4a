import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { v7 as uuidv7 } from 'uuid';
import { systemClock, type Clock } from '../src-shared/sync/clock';
import type { ServerDatabaseHandle } from './db/connect';
import type { ServerDb } from './db/schema';
import { FieldlineError } from '../src-shared/protocol/errors';
import { makeAuthenticator, makeHeaderAuthenticator } from './auth/authenticate';
import { registerAttachmentRoutes } from './attachments/attachment-routes';
import { AttachmentService } from './attachments/attachment-service';
import { FileSystemAttachmentStore, type AttachmentStore } from './attachments/attachment-store';
import { DatabaseUploadLocker } from './attachments/upload-lock';
import { registerAuthRoutes } from './auth/auth-routes';
import { accessTokenTtlSeconds, TokenService } from './auth/tokens';
import { jwtSecretsFrom } from './auth/jwt-keys';
import { signInLimits } from './auth/sign-in-limits';
import { ConflictService } from './conflicts/conflict-service';
import { registerConflictRoutes } from './conflicts/conflict-routes';
import { registerAdminRoutes } from './admin/admin-routes';
import { registerWatermelonRoutes } from './watermelon/watermelon-routes';
import { WatermelonSync } from './watermelon/watermelon-sync';
import { registerRecordHistoryRoutes } from './history/record-history-routes';
import { RowImport } from './admin/row-import';
import { UserAdministration } from './admin/user-admin';
import { IntegrationTokens } from './integration/integration-tokens';
import { registerIntegrationRoutes } from './integration/integration-routes';
import { installErrorHandling } from './http/error-handler';
import { installResponseCompression } from './http/response-compression';
import { installSecurityHeaders } from './http/security-headers';
import { ServerMetrics } from './http/server-metrics';
import { ChangeHub } from './sync/change-hub';
import { ClusterNotifications } from './sync/cluster-notifications';
import { PullService } from './sync/pull-service';
import { PushService } from './sync/push-service';
import { registerSyncRoutes } from './sync/sync-routes';
import { readHead } from './sync/unit-of-work';
import { describeServer } from './sync/server-description';
import { scheduleRetention, type PruneOutcome } from './sync/log-retention';

export const serverVersion = '0.1.0';

/** How long a stopping server waits for requests in flight (a push of 1000 ops takes well under a second). */
const drainLimitMs = 10_000;

export interface SyncServerOptions {
  database: ServerDatabaseHandle;
  clock?: Clock;
  /** A pino logger; omitted: silent (tests). */
  logger?: FastifyBaseLogger;
  /** Largest request body after decompression. */
  bodyLimitBytes?: number;
  /** Where uploaded attachment files live (the filesystem store); or another store. */
  attachments: { dir: string } | { store: AttachmentStore };
  /** Extra hooks or plugins, registered before the routes (diagnostics; fault injection in tests). */
  extend?: (app: FastifyInstance) => void;
  /** Days of change log, tombstones and op results kept (pruned at start and daily); omitted or 0: kept for ever. */
  retentionDays?: number;
  /** Access token lifetime; omitted: 15 minutes. Tests shorten it to see what a device does when it runs out. */
  accessTokenTtlSeconds?: number;
  /** The proxies in front whose X-Forwarded-* headers count (client address, https): Fastify's trustProxy. */
  trustProxy?: boolean | string[] | ((address: string, hop: number) => boolean);
}

export interface SyncServer {
  app: FastifyInstance;
  db: ServerDb;
  serverId: string;
  hub: ChangeHub;
  attachments: AttachmentService;
  /** Prunes what is older than the retention window now; null without one. */
  sweepRetention: (() => Promise<PruneOutcome>) | null;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** A fact this database keeps for life: made once, then read. */
async function metaValue(db: ServerDb, key: string, make: () => string): Promise<string> {
  await db
    .insertInto('meta')
    .values({ key, value: make() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  return (await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value;
}

export async function createSyncServer(options: SyncServerOptions): Promise<SyncServer> {
  const { db, dialect } = options.database;
  const clock = options.clock ?? systemClock;
  const serverId = await metaValue(db, 'server_id', () => uuidv7());
  const configured = jwtSecretsFrom(process.env);
  const jwtSecrets = configured ?? { signing: await metaValue(db, 'jwt_secret', () => randomBytes(32).toString('base64url')), previous: null };

  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimitBytes ?? 8 * 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    // On close, idle keep-alive connections go at once; a request in flight (a push the device waits
    // for) is finished and answered first.
    forceCloseConnections: 'idle',
    // What Node refuses before Fastify sees a request (headers or an address too large) is the envelope too.
    clientErrorHandler: (error, socket) => {
      const tooLarge = 'code' in error && error.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify(
        tooLarge ? { code: 'VALIDATION_ERROR', message: 'The request’s address or headers are too large' } : { code: 'VALIDATION_ERROR', message: 'The request could not be read as HTTP' },
      );
      if (socket.writable) socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      else socket.destroy();
    },
  });
  installErrorHandling(app);
  // Draining (close() called, SIGTERM): readiness fails and new requests are turned away with 503,
  // so a load balancer moves devices to another instance while the requests in flight finish.
  let draining = false;
  app.addHook('onRequest', async (request, reply) => {
    if (!draining || request.url === '/livez') return;
    reply.header('connection', 'close');
    await reply.code(503).send({ code: 'SERVER_ERROR', message: 'This server is shutting down; the request can be sent again in a moment' });
  });
  // The answer to a request in flight closes its connection, so the process need not wait for keep-alive to run out.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  options.extend?.(app);
  await installSecurityHeaders(app);
  await installResponseCompression(app);
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    // Devices see 1001 (going away) and reconnect, to another instance or to this one once it is back.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
      done();
    },
  });

  const hub = new ChangeHub();
  // More than one instance may share a PostgreSQL database: each hears the others' commits.
  const cluster = options.database.postgresUrl
    ? new ClusterNotifications({ url: options.database.postgresUrl, db, hub, instanceId: uuidv7(), log: app.log })
    : null;
  hub.cluster = cluster;
  await cluster?.start();
  const tokens = new TokenService(db, clock, jwtSecrets, options.accessTokenTtlSeconds ?? accessTokenTtlSeconds);
  const authenticate = makeAuthenticator(db, tokens);
  const metrics = new ServerMetrics(options.database.poolStats ?? null);
  const deps = { db, dialect, clock, hub, serverId, metrics };
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestSeconds.observe({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  // For the monitoring system only: with FIELDLINE_METRICS_TOKEN set, it must present that token.
  const metricsToken = process.env.FIELDLINE_METRICS_TOKEN;
  app.get('/metrics', async (request, reply) => {
    if (metricsToken && request.headers.authorization !== `Bearer ${metricsToken}`) throw new FieldlineError('AUTH_ERROR', 'The metrics need the monitoring token (FIELDLINE_METRICS_TOKEN)');
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // Liveness: the process answers. Readiness: it can serve (database reachable, migrations done,
  // which they are once this runs, and not draining).
  app.get('/livez', async () => ({ status: 'ok' as const }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await readHead(db);
    } catch (error) {
      return reply.code(503).send({ code: 'SERVER_ERROR', message: `The database does not answer: ${error instanceof Error ? error.message : String(error)}` });
    }
    return { status: 'ready' as const };
  });
  app.get('/api/v1/health', async () => ({
    status: 'ok' as const,
    server: describeServer(serverId, await readHead(db)),
    database: dialect,
    version: serverVersion,
  }));
  registerAuthRoutes(app, db, clock, tokens, authenticate, await signInLimits(app, db, dialect, clock));
  const push = new PushService(deps);
  const pull = new PullService({ db, clock, serverId });
  registerWatermelonRoutes(app, { sync: new WatermelonSync({ db, clock, serverId, pull, push }), authenticate });
  registerSyncRoutes(app, {
    db,
    clock,
    serverId,
    hub,
    push,
    pull,
    authenticate,
    accessTokenTtlMs: tokens.accessTtlSeconds * 1000,
    metrics,
    revokedDeviceOf: (refreshToken) => tokens.revokedDeviceOf(refreshToken),
  });
  registerConflictRoutes(app, new ConflictService(deps), authenticate);
  registerRecordHistoryRoutes(app, { db, clock, authenticate });
  const rows = new RowImport(deps);
  const integrationTokens = new IntegrationTokens(db, clock);
  registerAdminRoutes(app, { db, clock, authenticate, tokens, users: new UserAdministration(deps, tokens), rows, integrationTokens });
  registerIntegrationRoutes(app, { db, rows, tokens: integrationTokens });
  const attachmentStore = 'store' in options.attachments ? options.attachments.store : await FileSystemAttachmentStore.open(options.attachments.dir);
  const attachments = new AttachmentService(deps, attachmentStore);
  hub.onCommitted((changes) => {
    attachments.onCommitted(changes).catch((error: unknown) => app.log.error({ err: error }, 'removing a deleted attachment failed'));
  });
  registerAttachmentRoutes(app, { service: attachments, authenticate, authenticateHeader: makeHeaderAuthenticator(db, tokens), logger: app.log, metrics, uploadLocker: new DatabaseUploadLocker(db) });
  const retention = options.retentionDays ? scheduleRetention(db, dialect, clock, options.retentionDays, app.log) : null;

  return {
    app,
    db,
    serverId,
    hub,
    attachments,
    sweepRetention: retention ? retention.sweep : null,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      return `http://${host}:${bound}`;
    },
    async close() {
      draining = true;
      retention?.stop();
      // Requests in flight get this long to finish; a connection still busy after it (a download
      // nobody reads) is cut, so the process does not wait for keep-alive to run out.
      const cut = setTimeout(() => app.server.closeAllConnections(), drainLimitMs);
      cut.unref();
      await app.close();
      clearTimeout(cut);
      await cluster?.close();
      await options.database.close();
    },
  };
}
