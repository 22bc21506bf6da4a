import type {} from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { FieldlineError, parseOrThrow } from '../../src-shared/protocol/errors';
import { pullQuerySchema } from '../../src-shared/protocol/pull';
import { pullLinesMediaType } from '../../src-shared/protocol/pull-lines';
import { acceptsToken } from '../http/accept-header';
import { pullAnswerJson, pullAnswerLines } from './pull-body';
import { handOverRequestSchema, pushRequestSchema } from '../../src-shared/protocol/push';
import { loadUser } from '../auth/users';
import type { ServerEvent } from '../../src-shared/protocol/events';
import type { Clock } from '../../src-shared/sync/clock';
import type { Authenticate } from '../auth/authenticate';
import type { ChangeHub } from './change-hub';
import type { PullService } from './pull-service';
import type { PushService } from './push-service';
import type { Principal } from './scope';
import { readHead } from './unit-of-work';
import { describeServer } from './server-description';
import type { ServerDb } from '../db/schema';
import type { ServerMetrics } from '../http/server-metrics';

export interface SyncRouteDeps {
  db: ServerDb;
  clock: Clock;
  serverId: string;
  hub: ChangeHub;
  push: PushService;
  pull: PullService;
  authenticate: Authenticate;
  accessTokenTtlMs: number;
  metrics: ServerMetrics;
  /** The account and laptop of a refresh token whose laptop IT revoked (TokenService.revokedDeviceOf). */
  revokedDeviceOf: (refreshToken: string) => Promise<{ userId: string; deviceId: string } | null>;
}

/** How often the server pings each events socket. */
export const serverHeartbeatMs = 25_000;

export function registerSyncRoutes(app: FastifyInstance, deps: SyncRouteDeps): void {
  app.post('/api/v1/sync/push', async (request) => {
    const principal = await deps.authenticate(request);
    const body = parseOrThrow(pushRequestSchema, request.body, 'push request');
    return deps.push.push(principal, body);
  });

  app.post('/api/v1/sync/hand-over', async (request) => {
    const body = parseOrThrow(handOverRequestSchema, request.body, 'hand-over request');
    const revoked = await deps.revokedDeviceOf(body.refreshToken);
    if (!revoked || revoked.deviceId !== body.push.deviceId) throw new FieldlineError('AUTH_ERROR', 'Only a revoked laptop hands over its work, with the sign-in it had');
    const user = await loadUser(deps.db, revoked.userId);
    if (!user) throw new FieldlineError('AUTH_ERROR', 'This account no longer exists');
    const answer = await deps.push.handOver({ user }, body.push);
    await deps.db.updateTable('devices').set({ handed_over_at: new Date(deps.clock.now()).toISOString() }).where('device_id', '=', revoked.deviceId).execute();
    return answer;
  });

  app.get('/api/v1/sync/pull', async (request, reply) => {
    const principal = await deps.authenticate(request);
    const query = parseOrThrow(pullQuerySchema, request.query, 'pull query');
    const page = await deps.pull.pull(principal, query);
    // Content negotiation: a device that reads lines asks for them; anything else gets JSON.
    reply.header('vary', 'accept');
    if (acceptsToken(request.headers.accept, pullLinesMediaType)) return reply.type(`${pullLinesMediaType}; charset=utf-8`).send(pullAnswerLines(page));
    return reply.type('application/json; charset=utf-8').send(pullAnswerJson(page));
  });

  // Authenticated before the upgrade: a request without a valid token gets a 401, not a socket.
  const principals = new WeakMap<object, Principal>();
  app.get(
    '/api/v1/sync/events',
    {
      websocket: true,
      preValidation: async (request) => {
        principals.set(request, await deps.authenticate(request));
      },
    },
    async (socket, request) => {
      const principal = principals.get(request);
      if (!principal) throw new FieldlineError('AUTH_ERROR', 'Not authenticated');
      const send = (event: ServerEvent) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(event));
      };
      const unsubscribe = deps.hub.subscribe(principal, send);
      deps.metrics.eventSockets.inc();
      // The socket lives no longer than the token that opened it; the device reconnects with a fresh one.
      const expiry = setTimeout(() => socket.close(4401, 'access token expired'), deps.accessTokenTtlMs);
      // A ping every 25 s keeps proxies with a 60 s idle timeout from cutting the socket, and a device
      // that stopped answering (a lid closed, a network gone) is let go after the next one.
      let answered = true;
      socket.on('pong', () => {
        answered = true;
      });
      const heartbeat = setInterval(() => {
        if (!answered) {
          socket.terminate();
          return;
        }
        answered = false;
        socket.ping();
      }, serverHeartbeatMs);
      socket.on('close', () => {
        clearTimeout(expiry);
        clearInterval(heartbeat);
        unsubscribe();
        deps.metrics.eventSockets.dec();
      });
      socket.on('message', () => undefined);
      send({ type: 'hello', server: describeServer(deps.serverId, await readHead(deps.db)) });
    },
  );
}
