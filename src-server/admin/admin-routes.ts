import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../../src-shared/domain/json';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import {
  deviceRenameRequestSchema,
  dryRunQuerySchema,
  entityPathSchema,
  integrationTokenRequestSchema,
  newUserRequestSchema,
  passwordResetRequestSchema,
  userChangeRequestSchema,
} from '../../src-shared/protocol/admin';
import { FieldlineError, parseOrThrow } from '../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { Authenticate } from '../auth/authenticate';
import type { TokenService } from '../auth/tokens';
import type { ServerDb } from '../db/schema';
import type { IntegrationTokens } from '../integration/integration-tokens';
import type { Actor } from './audit-log';
import { rowsOfCsv } from './csv-import';
import { listDevices, renameDevice, revokeDevice } from './devices';
import type { RowImport } from './row-import';
import type { UserAdministration } from './user-admin';

const idParamsSchema = z.strictObject({ id: z.string().min(1).max(128) });
const auditQuerySchema = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export interface AdminRouteDeps {
  db: ServerDb;
  clock: Clock;
  authenticate: Authenticate;
  tokens: TokenService;
  users: UserAdministration;
  rows: RowImport;
  integrationTokens: IntegrationTokens;
}

/**
 * The admin API (docs/administration.md): users, devices, imports and integration tokens, for the
 * admin role only. The CLI (admin-cli.ts) calls the same services.
 */
export function registerAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps): void {
  const { db, clock, users, rows, integrationTokens } = deps;
  async function admin(request: FastifyRequest): Promise<Actor> {
    const { user } = await deps.authenticate(request);
    if (user.role !== 'admin') throw new FieldlineError('PERMISSION_DENIED', overseesSites(user.role) ? 'Administration is for IT (the admin role); a supervisor plans and triages in the app' : 'Administration is for IT (the admin role)');
    return { kind: 'user', userId: user.id };
  }
  // A CSV file is sent as it is, as text.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get('/api/v1/admin/users', async (request) => {
    await admin(request);
    return { users: await users.list() };
  });
  app.post('/api/v1/admin/users', async (request, reply) => {
    const actor = await admin(request);
    const body = parseOrThrow(newUserRequestSchema, request.body, 'new user');
    return reply.code(201).send(await users.create(body, actor));
  });
  app.patch('/api/v1/admin/users/:id', async (request) => {
    const actor = await admin(request);
    const { id } = parseOrThrow(idParamsSchema, request.params, 'user');
    return users.change(await users.resolve(id), parseOrThrow(userChangeRequestSchema, request.body, 'user change'), actor);
  });
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    app.post(`/api/v1/admin/users/:id/${action}`, async (request, reply) => {
      const actor = await admin(request);
      const { id } = parseOrThrow(idParamsSchema, request.params, 'user');
      await users.setDisabled(await users.resolve(id), disabled, actor);
      return reply.code(204).send();
    });
  }
  app.post('/api/v1/admin/users/:id/password', async (request, reply) => {
    const actor = await admin(request);
    const { id } = parseOrThrow(idParamsSchema, request.params, 'user');
    const { password } = parseOrThrow(passwordResetRequestSchema, request.body, 'password');
    await users.resetPassword(await users.resolve(id), password, actor);
    return reply.code(204).send();
  });

  app.get('/api/v1/admin/devices', async (request) => {
    await admin(request);
    return { devices: await listDevices(db) };
  });
  app.patch('/api/v1/admin/devices/:id', async (request) => {
    const actor = await admin(request);
    const { id } = parseOrThrow(idParamsSchema, request.params, 'device');
    const { name } = parseOrThrow(deviceRenameRequestSchema, request.body, 'device name');
    return renameDevice(db, id, name, actor, isoAt(clock));
  });
  app.post('/api/v1/admin/devices/:id/revoke', async (request) => {
    const actor = await admin(request);
    const { id } = parseOrThrow(idParamsSchema, request.params, 'device');
    return revokeDevice(db, deps.tokens, id, actor, isoAt(clock));
  });

  // Sites, users, assets, parts and work orders, as CSV (text/csv) or as JSON rows; ?dryRun=true reports without writing.
  app.post('/api/v1/admin/import/:entity', async (request) => {
    const actor = await admin(request);
    const { entity } = parseOrThrow(z.strictObject({ entity: entityPathSchema }), request.params, 'import address');
    const { dryRun } = parseOrThrow(dryRunQuerySchema, request.query, 'import query');
    const raw = typeof request.body === 'string' ? rowsOfCsv(entity, request.body) : parseOrThrow(z.array(z.unknown()).min(1).max(100_000), request.body, 'rows').map((values, i) => ({ line: i, values }));
    return rows.run(entity, raw, { dryRun: dryRun === 'true', actor });
  });

  app.get('/api/v1/admin/integration-tokens', async (request) => {
    await admin(request);
    return { tokens: await integrationTokens.list() };
  });
  app.post('/api/v1/admin/integration-tokens', async (request, reply) => {
    const actor = await admin(request);
    const { name } = parseOrThrow(integrationTokenRequestSchema, request.body, 'integration token');
    return reply.code(201).send(await integrationTokens.create(name, actor));
  });
  app.post('/api/v1/admin/integration-tokens/:id/revoke', async (request) => {
    const actor = await admin(request);
    const { id } = parseOrThrow(idParamsSchema, request.params, 'integration token');
    return integrationTokens.revoke(id, actor);
  });

  app.get('/api/v1/admin/audit', async (request) => {
    await admin(request);
    const { limit } = parseOrThrow(auditQuerySchema, request.query, 'audit query');
    const entries = await db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return { entries: entries.map((e) => ({ at: e.at, actor: e.actor, action: e.action, target: e.target, details: parseJsonOrUndefined(e.details) })) };
  });
}
