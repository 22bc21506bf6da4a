import { z } from 'zod';
import { entityNameSchema } from '../../../src-shared/domain/entity-registry';
import { newRecordId, recordKey } from '../../../src-shared/domain/ids';
import type { Json } from '../../../src-shared/domain/json';
import { conflictKindSchema, fieldConflictSchema, resolveConflictRequestSchema, type Conflict, type ResolveConflictRequest } from '../../../src-shared/protocol/conflicts';
import type { SiteConflict } from '../../../src-shared/ipc/ipc-views';
import { idsByEntity, idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import { FieldlineError, parseOrThrow } from '../../../src-shared/protocol/errors';
import { recordDataSchema } from '../../../src-shared/protocol/push';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import type { ClientDb, ClientDatabase } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { recordLabel } from '../store/record-label';
import { serverCopyOf } from '../store/server-copy';
import { writeLocalChange, type LocalWriteResult } from '../outbox/local-writes';
import { refreshSyncState } from '../sync/record-settlement';
import { removeLocally } from '../local-data/record-removal';
import { hasUnsentWork } from '../local-data/unsent-work';
import type { Transaction } from 'kysely';
import { basesFor } from '../store/record-bases';

const conflictStatusFilter = z.enum(['open', 'auto-resolved', 'resolved']).optional();

/**
 * Attachments of a work order whose create has not reached the server follow their work order to
 * its new id (update-delete kept as a new record): record, queued create and file row.
 */
async function moveQueuedAttachments(trx: Transaction<ClientDatabase>, fromWorkOrder: string, toWorkOrder: string): Promise<void> {
  const queued = await trx
    .selectFrom('outbox')
    .innerJoin('records', (join) => join.onRef('records.entity', '=', 'outbox.entity').onRef('records.id', '=', 'outbox.record_id'))
    .select(['outbox.op_id', 'outbox.field_values', 'records.id', 'records.data'])
    .where('outbox.entity', '=', 'attachment')
    .where('outbox.kind', '=', 'create')
    .where('records.work_order_id', '=', fromWorkOrder)
    .execute();
  for (const attachment of queued) {
    const values = { ...parseData(attachment.field_values), workOrderId: toWorkOrder };
    const depends = JSON.stringify([recordKey('workOrder', toWorkOrder)]);
    await trx.updateTable('outbox').set({ field_values: JSON.stringify(values), depends_on: depends }).where('op_id', '=', attachment.op_id).execute();
    await trx
      .updateTable('records')
      .set({ data: JSON.stringify({ ...parseData(attachment.data), workOrderId: toWorkOrder }), work_order_id: toWorkOrder })
      .where('entity', '=', 'attachment')
      .where('id', '=', attachment.id)
      .execute();
    await trx.updateTable('attachment_files').set({ work_order_id: toWorkOrder }).where('attachment_id', '=', attachment.id).execute();
  }
}

/** The device's conflicts: open ones side by side, and the history of resolved ones. */
export class ConflictResolution {
  constructor(
    private readonly db: ClientDb,
    private readonly clock: Clock,
    private readonly changed: (result: LocalWriteResult) => void,
  ) {}

  async list(status?: z.infer<typeof conflictStatusFilter>) {
    const filter = parseOrThrow(conflictStatusFilter, status, 'conflict filter');
    const rows = await this.db
      .selectFrom('conflicts')
      .selectAll()
      .$if(filter !== undefined, (q) => q.where('status', '=', filter ?? 'open'))
      .orderBy('created_at', 'desc')
      .limit(500)
      .execute();
    const labels = await this.labelsOf(rows.map((row) => ({ entity: row.entity, id: row.record_id })));
    return rows.map((row) => ({
      id: row.id,
      entity: row.entity,
      recordId: row.record_id,
      record: labels.get(recordKey(row.entity, row.record_id)) ?? row.record_id,
      kind: conflictKindSchema.parse(row.kind),
      status: row.status,
      origin: row.origin,
      fields: z.array(fieldConflictSchema).parse(JSON.parse(row.fields)),
      createdAt: row.created_at,
      resolvedAt: row.resolved_at,
      resolution: row.resolution === null ? null : recordDataSchema.parse(JSON.parse(row.resolution)),
    }));
  }

  /** The server's conflict log for a supervisor's sites, each with its record's and its author's names from this device's copies. */
  async labelSiteConflicts(conflicts: readonly Conflict[]): Promise<SiteConflict[]> {
    const labels = await this.labelsOf(conflicts.flatMap((c) => [{ entity: c.entity, id: c.recordId }, { entity: 'user', id: c.userId }]));
    return conflicts.map((c) => ({
      ...c,
      record: labels.get(recordKey(c.entity, c.recordId)) ?? c.recordId.slice(-8),
      user: labels.get(recordKey('user', c.userId)) ?? c.userId.slice(-8),
    }));
  }

  /** What a person recognises each record by (recordLabel), by recordKey; records this device does not hold are left out. */
  private async labelsOf(records: readonly { entity: string; id: string }[]): Promise<Map<string, string>> {
    const labels = new Map<string, string>();
    for (const [entity, ids] of idsByEntity(records)) {
      for (const chunk of inChunks(ids, idsPerStatement)) {
        for (const row of await this.db.selectFrom('records').select(['id', 'data']).where('entity', '=', entity).where('id', 'in', chunk).execute()) {
          labels.set(recordKey(entity, row.id), recordLabel(parseData(row.data), row.id));
        }
      }
    }
    return labels;
  }

  /**
   * Keep mine, use the server's, per-field choices or an edited value. The decision is a new local
   * change (queued like any other) that also closes the server's record of the conflict.
   */
  async resolve(conflictId: string, input: ResolveConflictRequest): Promise<void> {
    const decision = parseOrThrow(resolveConflictRequestSchema, input, 'conflict decision');
    const row = await this.db.selectFrom('conflicts').selectAll().where('id', '=', conflictId).executeTakeFirst();
    if (!row) throw new FieldlineError('NOT_FOUND', 'That conflict does not exist on this device');
    if (row.status !== 'open') throw new FieldlineError('VERSION_CONFLICT', 'That conflict is already settled');
    const entity = entityNameSchema.parse(row.entity);
    const fields = z.array(fieldConflictSchema).parse(JSON.parse(row.fields));
    const record = await this.db.selectFrom('records').selectAll().where('entity', '=', entity).where('id', '=', row.record_id).executeTakeFirst();
    const nowIso = isoAt(this.clock);

    if (row.kind === 'update-delete') {
      if (decision.choice === 'local' && record) {
        // The server's record is gone for good; the technician's work survives as a new record,
        // and its photos and documents not yet on the server go with it.
        const id = newRecordId();
        const data = { ...parseData(record.data), id, number: null };
        this.changed(await writeLocalChange(this.db, this.clock, { kind: 'create', entity, record: data, summary: 'Restored a work order deleted on the server' }));
        await this.db.transaction().execute(async (trx) => {
          if (entity === 'workOrder') await moveQueuedAttachments(trx, row.record_id, id);
          // What still holds unsent work (a photo the server took the record of but not the bytes) stays visible here.
          if (!(await hasUnsentWork(trx, entity, row.record_id))) await removeLocally(trx, entity, row.record_id);
        });
      } else {
        await this.db.transaction().execute((trx) => removeLocally(trx, entity, row.record_id));
      }
    } else if (row.kind === 'delete-update') {
      if (decision.choice === 'local') this.changed(await writeLocalChange(this.db, this.clock, { kind: 'delete', entity, id: row.record_id, summary: 'Deleted again after a conflict' }));
    } else {
      const server = (record ? serverCopyOf(record, await basesFor(this.db, entity, record.id)) : null) ?? {};
      const values: FieldValues = {};
      for (const field of fields) {
        const choice = decision.fields?.[field.field] ?? (decision.choice ? { choice: decision.choice } : undefined);
        if (!choice) continue;
        const value: Json = choice.choice === 'value' ? choice.value : choice.choice === 'local' ? field.local : (server[field.field] ?? null);
        if (JSON.stringify(value) !== JSON.stringify(server[field.field] ?? null)) values[field.field] = value;
      }
      if (record && (Object.keys(values).length > 0 || row.server_conflict_id)) {
        const resolves = row.server_conflict_id ?? undefined;
        this.changed(
          await writeLocalChange(this.db, this.clock, { kind: 'update', entity, id: row.record_id, values, summary: 'Conflict decision', ...(resolves ? { resolves } : {}) }),
        );
      }
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('conflicts').set({ status: 'resolved', resolved_at: nowIso, resolution: JSON.stringify(decision) }).where('id', '=', conflictId).execute();
      await refreshSyncState(trx, entity, row.record_id);
    });
  }
}
