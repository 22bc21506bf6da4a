import { idsByEntity, idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import type { EntityName } from '../../../src-shared/domain/entity-registry';
import { recordKey } from '../../../src-shared/domain/ids';
import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import { serverCopyToKeep } from '../../../src-shared/sync/server-copy';
import type { ClientTrx } from '../store/client-schema';
import { listColumns } from '../store/list-columns';
import { basesFor } from '../store/record-bases';
import { opsFor, pendingValues, type OutboxRow } from '../outbox/outbox-rows';

/*
 * Settling a record after the server answered or sent it: its row becomes the server's record with
 * this device's still-queued values on top, its bases and sync state follow.
 */

/**
 * The records of these ops that still have something to settle once the op is: another op queued
 * on the record, or an open conflict. A push batch holds one op per record, and the op itself
 * does not count, whether it is still in the outbox or not.
 */
export async function recordsStillBusy(trx: ClientTrx, ops: readonly OutboxRow[]): Promise<Set<string>> {
  const opOfRecord = new Map(ops.map((op) => [recordKey(op.entity, op.record_id), op.op_id]));
  const busy = new Set<string>();
  for (const [entity, ids] of idsByEntity(ops.map((op) => ({ entity: op.entity, id: op.record_id })))) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      for (const r of await trx.selectFrom('outbox').select(['record_id', 'op_id']).where('entity', '=', entity).where('record_id', 'in', chunk).execute()) {
        if (opOfRecord.get(recordKey(entity, r.record_id)) !== r.op_id) busy.add(recordKey(entity, r.record_id));
      }
      for (const r of await trx.selectFrom('conflicts').select('record_id').where('entity', '=', entity).where('record_id', 'in', chunk).where('status', '=', 'open').execute()) busy.add(recordKey(entity, r.record_id));
    }
  }
  return busy;
}

export async function hasOpenConflict(trx: ClientTrx, entity: string, id: string): Promise<boolean> {
  const row = await trx.selectFrom('conflicts').select('id').where('entity', '=', entity).where('record_id', '=', id).where('status', '=', 'open').executeTakeFirst();
  return row !== undefined;
}

/**
 * Writes a record's new server state and recomputes its local view: the server's record with the
 * values of the ops still queued on top, bases only for fields still pending, and the sync state.
 */
export async function settleRecord(
  trx: ClientTrx,
  entity: EntityName,
  id: string,
  server: JsonRecord,
  version: number,
  nowIso: string,
  options: { view?: JsonRecord; bases?: FieldValues } = {},
): Promise<void> {
  const ops = await opsFor(trx, entity, id);
  const pending = pendingValues(ops);
  const view = options.view ?? { ...server, ...pending };
  const oldBases = await basesFor(trx, entity, id);
  await trx.deleteFrom('bases').where('entity', '=', entity).where('record_id', '=', id).execute();
  const bases: FieldValues = {};
  for (const field of Object.keys(pending)) {
    // By presence, not `??`: null is a value, and a base of null (a manual conflict on a field that
    // was empty) must not turn into the server's value, which would let the push overwrite it.
    bases[field] = options.bases && field in options.bases ? (options.bases[field] ?? null) : field in oldBases ? (oldBases[field] ?? null) : (server[field] ?? null);
    await trx.insertInto('bases').values({ entity, record_id: id, field, value: JSON.stringify(bases[field]) }).execute();
  }
  const conflict = await hasOpenConflict(trx, entity, id);
  const failed = ops.some((op) => op.state === 'failed' || op.state === 'refused');
  const syncState = conflict ? 'conflict' : failed ? 'failed' : ops.length > 0 ? 'queued' : 'synced';
  const row = {
    version,
    data: JSON.stringify(view),
    server_data: serverCopyToKeep(view, bases, server),
    sync_state: syncState,
    ...listColumns(entity, view),
    pending_delete: ops.some((op) => op.kind === 'delete') ? 1 : 0,
    updated_at: nowIso,
  } as const;
  await trx
    .insertInto('records')
    .values({ entity, id, ...row })
    .onConflict((oc) => oc.columns(['entity', 'id']).doUpdateSet(row))
    .execute();
}

/** Recomputes only the sync state, after ops or conflicts of a record changed. */
export async function refreshSyncState(trx: ClientTrx, entity: string, id: string): Promise<void> {
  const ops = await opsFor(trx, entity, id);
  const conflict = await hasOpenConflict(trx, entity, id);
  const failed = ops.some((op) => op.state === 'failed' || op.state === 'refused');
  await trx
    .updateTable('records')
    .set({ sync_state: conflict ? 'conflict' : failed ? 'failed' : ops.length > 0 ? 'queued' : 'synced' })
    .where('entity', '=', entity)
    .where('id', '=', id)
    .execute();
}
