import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { entityNameSchema } from '../../src-shared/domain/entity-registry';
import { recordDataSchema } from '../../src-shared/protocol/push';
import { dryRunQuerySchema, entityPathSchema, externalIdSchema, type ImportEntity } from '../../src-shared/protocol/admin';
import { FieldlineError, parseOrThrow } from '../../src-shared/protocol/errors';
import type { ServerDb } from '../db/schema';
import { RowImport } from '../admin/row-import';
import { readLogFloor } from '../sync/log-retention';
import type { IntegrationTokens } from './integration-tokens';

const recordParamsSchema = z.strictObject({ entity: entityPathSchema, externalId: externalIdSchema });
const batchParamsSchema = z.strictObject({ entity: entityPathSchema });
const changesQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  entity: entityPathSchema.optional(),
});
const batchBodySchema = z.array(z.unknown()).min(1).max(5000);

/**
 * The integration API (docs/integration.md): an ERP or CMMS writes and reads records by its own ids
 * with its integration token, and reads back what changed (completed work) after a cursor.
 */
export function registerIntegrationRoutes(app: FastifyInstance, deps: { db: ServerDb; rows: RowImport; tokens: IntegrationTokens }): void {
  const { db, rows, tokens } = deps;

  app.put('/api/v1/integration/:entity/:externalId', async (request) => {
    const actor = await tokens.authenticate(request.headers.authorization);
    const { entity, externalId } = parseOrThrow(recordParamsSchema, request.params, 'integration address');
    const body = parseOrThrow(z.record(z.string(), z.unknown()), request.body, `${entity} row`);
    if (body.externalId !== undefined && body.externalId !== externalId) throw new FieldlineError('VALIDATION_ERROR', 'The body names another externalId than the address', { field: 'externalId' });
    const report = await rows.run(entity, [{ line: 0, values: { ...body, externalId } }], { dryRun: false, actor });
    const [result] = report.rows;
    if (!result || result.outcome === 'invalid') throw new FieldlineError('VALIDATION_ERROR', `The ${entity} row is not valid: ${result?.problems.map((p) => `${p.field}: ${p.message}`).join('; ') ?? ''}`, { issues: result?.problems.map((p) => ({ path: p.field, message: p.message })) ?? [] });
    return { ...result, record: await recordOf(db, entity, externalId) };
  });

  app.post('/api/v1/integration/:entity', async (request) => {
    const actor = await tokens.authenticate(request.headers.authorization);
    const { entity } = parseOrThrow(batchParamsSchema, request.params, 'integration address');
    const { dryRun } = parseOrThrow(dryRunQuerySchema, request.query, 'integration query');
    const body = parseOrThrow(batchBodySchema, request.body, `${entity} rows`);
    return rows.run(entity, body.map((values, i) => ({ line: i, values })), { dryRun: dryRun === 'true', actor });
  });

  app.get('/api/v1/integration/:entity/:externalId', async (request) => {
    await tokens.authenticate(request.headers.authorization);
    const { entity, externalId } = parseOrThrow(recordParamsSchema, request.params, 'integration address');
    const found = await recordOf(db, entity, externalId);
    if (!found) throw new FieldlineError('NOT_FOUND', `No ${entity} with the external id ${externalId}`);
    return found;
  });

  // Completed work back out: every change after the cursor, in commit order, with the record as it is now.
  app.get('/api/v1/integration/changes', async (request) => {
    await tokens.authenticate(request.headers.authorization);
    const query = parseOrThrow(changesQuerySchema, request.query, 'changes query');
    const floor = await readLogFloor(db);
    if (query.after < floor) {
      throw new FieldlineError('VERSION_CONFLICT', `The change log before ${floor} was pruned (the server keeps its retention window): read the records again by external id, then continue from ${floor}`, { floor });
    }
    const found = await db
      .selectFrom('changes')
      .innerJoin('records', (join) => join.onRef('records.entity', '=', 'changes.entity').onRef('records.id', '=', 'changes.record_id'))
      .leftJoin('external_ids', (join) => join.onRef('external_ids.entity', '=', 'changes.entity').onRef('external_ids.record_id', '=', 'changes.record_id'))
      .select(['changes.seq', 'changes.entity', 'changes.record_id', 'changes.op', 'records.version', 'records.deleted', 'records.data', 'records.updated_at', 'external_ids.external_id'])
      .where('changes.seq', '>', query.after)
      .where('changes.entity', '!=', 'user')
      .$if(query.entity !== undefined, (q) => q.where('changes.entity', '=', query.entity ?? ''))
      .orderBy('changes.seq')
      .limit(query.limit + 1)
      .execute();
    const page = found.slice(0, query.limit);
    return {
      changes: page.map((row) => ({
        seq: Number(row.seq),
        entity: entityNameSchema.parse(row.entity),
        id: row.record_id,
        externalId: row.external_id,
        deleted: row.deleted === 1,
        version: row.version,
        updatedAt: row.updated_at,
        record: row.deleted === 1 ? null : recordDataSchema.parse(JSON.parse(row.data)),
      })),
      cursor: Number(page.at(-1)?.seq ?? query.after),
      hasMore: found.length > query.limit,
    };
  });
}

async function recordOf(db: ServerDb, entity: ImportEntity, externalId: string) {
  const row = await db
    .selectFrom('external_ids')
    .innerJoin('records', (join) => join.onRef('records.entity', '=', 'external_ids.entity').onRef('records.id', '=', 'external_ids.record_id'))
    .select(['records.id', 'records.version', 'records.deleted', 'records.data', 'records.updated_at'])
    .where('external_ids.entity', '=', entity)
    .where('external_ids.external_id', '=', externalId)
    .executeTakeFirst();
  if (!row) return null;
  return { entity, externalId, id: row.id, version: row.version, deleted: row.deleted === 1, updatedAt: row.updated_at, record: row.deleted === 1 ? null : recordDataSchema.parse(JSON.parse(row.data)) };
}
