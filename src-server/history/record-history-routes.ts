import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { userSchema } from '../../src-shared/domain/entities';
import { entityNameSchema } from '../../src-shared/domain/entity-registry';
import { recordIdSchema } from '../../src-shared/domain/ids';
import type { RecordHistory } from '../../src-shared/protocol/history';
import { FieldlineError, parseOrThrow } from '../../src-shared/protocol/errors';
import type { Clock } from '../../src-shared/sync/clock';
import type { Authenticate } from '../auth/authenticate';
import type { ServerDb } from '../db/schema';
import { inScopeNowSql } from '../sync/scope';

const paramsSchema = z.strictObject({ entity: entityNameSchema, id: recordIdSchema });
/** The newest versions a person reads through; older ones stay kept. */
const shownVersions = 200;

/**
 * Who changed what on a record, and when (GET /api/v1/records/:entity/:id/history): for anyone whose
 * devices hold the record, newest first, with names rather than ids.
 */
export function registerRecordHistoryRoutes(app: FastifyInstance, deps: { db: ServerDb; clock: Clock; authenticate: Authenticate }): void {
  const { db } = deps;
  app.get('/api/v1/records/:entity/:id/history', async (request): Promise<RecordHistory> => {
    const principal = await deps.authenticate(request);
    const { entity, id } = parseOrThrow(paramsSchema, request.params, 'record');
    const visible = await db
      .selectFrom('records as r')
      .select('r.id')
      .where('r.entity', '=', entity)
      .where('r.id', '=', id)
      .where(inScopeNowSql(principal, {}, 'r', deps.clock.now()))
      .executeTakeFirst();
    if (!visible) throw new FieldlineError('NOT_FOUND', 'This record is not one you have access to');
    const rows = await db
      .selectFrom('record_history as h')
      .leftJoin('records as u', (join) => join.onRef('u.id', '=', 'h.user_id').on('u.entity', '=', 'user'))
      .leftJoin('devices as d', 'd.device_id', 'h.device_id')
      .select(['h.version', 'h.changed_at', 'h.user_id', 'h.fields', 'u.data as user_data', 'd.name as device_name'])
      .where('h.entity', '=', entity)
      .where('h.record_id', '=', id)
      .orderBy('h.version', 'desc')
      .limit(shownVersions)
      .execute();
    return {
      entries: rows.map((row) => {
        const user = row.user_data ? userSchema.safeParse(JSON.parse(row.user_data)) : null;
        return {
          version: row.version,
          at: row.changed_at,
          userId: row.user_id,
          userName: user?.success ? user.data.displayName : null,
          deviceName: row.device_name,
          fields: z.array(z.string()).parse(JSON.parse(row.fields)),
        };
      }),
    };
  });
}
