import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { text } from '../../src-shared/domain/text';
import { parseOrThrow } from '../../src-shared/protocol/errors';
import type { Authenticate } from '../auth/authenticate';
import { watermelonChangesSchema, type WatermelonSync } from './watermelon-sync';

/** `last_pulled_at` as WatermelonDB sends it: absent or "null" on a first sync, else the timestamp it was given. */
const lastPulledAtSchema = z
  .union([z.literal('null'), z.literal(''), z.coerce.number().int().min(0)])
  .optional()
  .transform((value) => (typeof value === 'number' && value > 0 ? value : null));

const pullQuerySchema = z.strictObject({
  last_pulled_at: lastPulledAtSchema,
  schema_version: z.coerce.number().int().min(1).optional(),
  /** WatermelonDB's migration sync: every column is always sent, so it needs nothing more. */
  migration: text().max(10_000).optional(),
  /** The app's own id for this installation, so two phones of one person are told apart. */
  device_id: text().min(1).max(128).optional(),
});
const pushQuerySchema = z.strictObject({
  last_pulled_at: z.coerce.number().int().min(0),
  device_id: text().min(1).max(128).optional(),
});

/**
 * The WatermelonDB sync endpoint (docs/mobile.md): `synchronize()`'s pullChanges and pushChanges,
 * authenticated with the same access tokens as the desktop.
 */
export function registerWatermelonRoutes(app: FastifyInstance, deps: { sync: WatermelonSync; authenticate: Authenticate }): void {
  app.get('/api/v1/watermelon/sync', async (request) => {
    const principal = await deps.authenticate(request);
    const query = parseOrThrow(pullQuerySchema, request.query, 'WatermelonDB pull');
    return deps.sync.pullChanges(principal, query.device_id ?? principal.user.id, query.last_pulled_at);
  });

  app.post('/api/v1/watermelon/sync', async (request) => {
    const principal = await deps.authenticate(request);
    const query = parseOrThrow(pushQuerySchema, request.query, 'WatermelonDB push');
    const changes = parseOrThrow(watermelonChangesSchema, request.body, 'WatermelonDB changes');
    const answer = await deps.sync.pushChanges(principal, query.device_id ?? principal.user.id, query.last_pulled_at, changes);
    // What was not applied as sent is reported (and, when refused, kept for the site's supervisors);
    // the push itself succeeds, so WatermelonDB never retries one bad record for ever.
    return {
      ok: true,
      refused: answer.results.filter((r) => r.status === 'rejected').map((r) => ({ opId: r.opId, error: r.error ?? null })),
      conflicts: answer.results.filter((r) => r.status === 'conflict').length,
    };
  });
}
