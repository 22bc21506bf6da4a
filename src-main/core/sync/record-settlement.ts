import { CompiledQuery, sql, type Transaction } from 'kysely';
import { pulledData, type PulledChange } from '../../../src-shared/protocol/pull-lines';
import { v7 as uuidv7 } from 'uuid';
import { idsByEntity, idsPerStatement, inChunks, rowsPerInsert } from '../../../src-shared/sqlite/statement-chunks';
import type { EntityName } from '../../../src-shared/domain/entity-registry';
import type { FieldConflict, JsonRecord } from '../../../src-shared/merge/merge-patch';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import type { ClientDatabase, LocalConflictsTable, OutboxTable } from '../store/client-schema';
import { serverCopyToKeep } from '../../../src-shared/sync/server-copy';
import { listColumns, parseData, recordKey, sameListColumns, type ListColumns } from '../store/local-record';
import { basesFor } from '../store/record-bases';

export type Trx = Transaction<ClientDatabase>;
export type OutboxRow = Omit<OutboxTable, 'seq'> & { seq: number };

export async function opsFor(trx: Trx, entity: string, id: string): Promise<OutboxRow[]> {
  return trx.selectFrom('outbox').selectAll().where('entity', '=', entity).where('record_id', '=', id).orderBy('seq').execute();
}

/** The values of a record's queued ops, later ops winning. */
export function pendingValues(ops: readonly OutboxRow[]): FieldValues {
  return ops.filter((op) => op.kind !== 'delete').reduce<FieldValues>((values, op) => ({ ...values, ...parseData(op.field_values) }), {});
}

/**
 * The records of these ops that still have something to settle once the op is: another op queued
 * on the record, or an open conflict. A push batch holds one op per record, and the op itself
 * does not count, whether it is still in the outbox or not.
 */
export async function recordsStillBusy(trx: Trx, ops: readonly OutboxRow[]): Promise<Set<string>> {
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

export async function hasOpenConflict(trx: Trx, entity: string, id: string): Promise<boolean> {
  const row = await trx.selectFrom('conflicts').select('id').where('entity', '=', entity).where('record_id', '=', id).where('status', '=', 'open').executeTakeFirst();
  return row !== undefined;
}

/**
 * Writes a record's new server state and recomputes its local view: the server's record with the
 * values of the ops still queued on top, bases only for fields still pending, and the sync state.
 */
export async function settleRecord(
  trx: Trx,
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
export async function refreshSyncState(trx: Trx, entity: string, id: string): Promise<void> {
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

/** Removes a record and what is queued for it; a work order takes its attachments along (their files follow after the cycle). */
export async function removeLocally(trx: Trx, entity: string, id: string): Promise<void> {
  await trx.deleteFrom('records').where('entity', '=', entity).where('id', '=', id).execute();
  await trx.deleteFrom('bases').where('entity', '=', entity).where('record_id', '=', id).execute();
  await trx.deleteFrom('outbox').where('entity', '=', entity).where('record_id', '=', id).execute();
  if (entity === 'workOrder') await removeAttachmentsOf(trx, [id]);
}

/** The attachment records of work orders that leave the device, with what is queued for them. */
export async function removeAttachmentsOf(trx: Trx, workOrderIds: readonly string[]): Promise<void> {
  for (const workOrders of inChunks(workOrderIds, idsPerStatement)) {
    const ids = (await trx.selectFrom('records').select('id').where('entity', '=', 'attachment').where('work_order_id', 'in', workOrders).execute()).map((r) => r.id);
    for (const chunk of inChunks(ids, idsPerStatement)) {
      await trx.deleteFrom('records').where('entity', '=', 'attachment').where('id', 'in', chunk).execute();
      await trx.deleteFrom('bases').where('entity', '=', 'attachment').where('record_id', 'in', chunk).execute();
      await trx.deleteFrom('outbox').where('entity', '=', 'attachment').where('record_id', 'in', chunk).execute();
    }
  }
}

interface StoredRow {
  columns: ListColumns;
  version: number;
  /** Synced with nothing kept beside it: the row is exactly the server's state at its version. */
  clean: boolean;
}

/** What is stored of these records, by entity/id (absent: not on the device). */
async function storedRows(trx: Trx, records: readonly { entity: string; id: string }[]): Promise<Map<string, StoredRow>> {
  const stored = new Map<string, StoredRow>();
  for (const [entity, ids] of idsByEntity(records)) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      const found = await trx
        .selectFrom('records')
        .select(['id', 'version', 'site_id', 'status', 'priority', 'assigned_to', 'scheduled_end', 'work_order_id', 'search_text'])
        .select(sql<number>`sync_state = 'synced' and server_data is null`.as('clean'))
        .where('entity', '=', entity)
        .where('id', 'in', chunk)
        .execute();
      for (const { id, version, clean, ...columns } of found) stored.set(recordKey(entity, id), { columns, version, clean: clean === 1 });
    }
  }
  return stored;
}

export function conflictRow(
  entity: string,
  recordId: string,
  kind: string,
  fields: readonly FieldConflict[],
  status: LocalConflictsTable['status'],
  origin: LocalConflictsTable['origin'],
  serverConflictId: string | null,
  nowIso: string,
): LocalConflictsTable {
  return {
    id: uuidv7(),
    entity,
    record_id: recordId,
    kind,
    fields: JSON.stringify(fields),
    status,
    origin,
    server_conflict_id: serverConflictId,
    created_at: nowIso,
    resolved_at: null,
    resolution: null,
  };
}

export async function addNotice(trx: Trx, message: string, entity: string | null, recordId: string | null, nowIso: string): Promise<void> {
  await trx.insertInto('notices').values({ id: uuidv7(), created_at: nowIso, message, entity, record_id: recordId, read: 0 }).execute();
}

const pulledRecordsUpsertText = new Map<number, string>();

/**
 * The upsert of `count` pulled records, as SQL text made once per count. Building it with Kysely's
 * query builder, 12 values a row and 5000 rows a page, was a visible share of a large first sync
 * (bench figure 1); the text, made once, is also the statement cache's key.
 * Never over a newer version; the list columns are assigned, so the upsert of a record whose
 * columns changed keeps its index entries right.
 */
function pulledRecordsUpsert(count: number): string {
  const known = pulledRecordsUpsertText.get(count);
  if (known !== undefined) return known;
  const row = `(?, ?, ?, ?, null, 'synced', ?, ?, ?, ?, ?, ?, ?, 0, ?)`;
  const text = `insert into records (entity, id, version, data, server_data, sync_state, site_id, status, priority, assigned_to, scheduled_end, work_order_id, search_text, pending_delete, updated_at)
    values ${Array.from({ length: count }, () => row).join(', ')}
    on conflict (entity, id) do update set version = excluded.version, data = excluded.data, server_data = null, sync_state = 'synced',
      site_id = excluded.site_id, status = excluded.status, priority = excluded.priority, assigned_to = excluded.assigned_to,
      scheduled_end = excluded.scheduled_end, work_order_id = excluded.work_order_id, search_text = excluded.search_text, updated_at = excluded.updated_at
    where records.version <= excluded.version`;
  pulledRecordsUpsertText.set(count, text);
  return text;
}

/**
 * Changes to records with nothing pending here: upserts in multi-row statements (never over a newer
 * version), deletes and removals by id. A record whose list columns stay as they are (a push
 * acknowledged, a note edited elsewhere) gets an update that leaves them unassigned: assigning an
 * indexed column rewrites its index entries even to the same value, which made settling 1000
 * acknowledged ops 2.7 times as costly.
 */
export async function applyPlainChanges(
  trx: Trx,
  changes: readonly PulledChange[],
  nowIso: string,
  /** A full sync (no cursor): its records are new here, so what is stored is not read first; the upsert is right either way. */
  options: { fullSync?: boolean } = {},
): Promise<void> {
  const upserts = changes.filter((c) => c.op === 'upsert');
  const stored = options.fullSync ? new Map<string, StoredRow>() : await storedRows(trx, upserts);
  // A server state this device holds already is not written again (nor turned into text first):
  // above all the records it just pushed, which the next pull brings back (rewriting 10k of them
  // cost ~1 s of encrypted writes).
  const fresh = upserts
    .filter((c) => {
      const before = stored.get(recordKey(c.entity, c.id));
      return !(before?.clean && before.version === c.version);
    })
    .map((c) => {
      const data = pulledData(c) ?? {};
      return {
        entity: c.entity,
        id: c.id,
        version: c.version,
        // Stored as the server sent it when it came as lines: serialising it again was a third of
        // decoding a page.
        data: c.dataText ?? JSON.stringify(data),
        ...listColumns(c.entity, data),
      };
    });
  const kept = fresh.filter((r) => {
    const before = stored.get(recordKey(r.entity, r.id));
    return before !== undefined && sameListColumns(before.columns, r);
  });
  const keptKeys = new Set(kept.map((r) => recordKey(r.entity, r.id)));
  // One statement per chunk (UPDATE … FROM a VALUES list) rather than one per record.
  for (const chunk of inChunks(kept, rowsPerInsert)) {
    const values = sql.join(chunk.map((r) => sql`(${r.entity}, ${r.id}, ${r.version}, ${r.data})`));
    await sql`with settled(entity, id, version, data) as (values ${values})
      update records set version = settled.version, data = settled.data, server_data = null, sync_state = 'synced', updated_at = ${nowIso}
      from settled where records.entity = settled.entity and records.id = settled.id and records.version <= settled.version`.execute(trx);
  }
  for (const chunk of inChunks(fresh.filter((r) => !keptKeys.has(recordKey(r.entity, r.id))), rowsPerInsert)) {
    const parameters = chunk.flatMap((r) => [r.entity, r.id, r.version, r.data, r.site_id, r.status, r.priority, r.assigned_to, r.scheduled_end, r.work_order_id, r.search_text, nowIso]);
    await trx.executeQuery(CompiledQuery.raw(pulledRecordsUpsert(chunk.length), parameters));
  }
  const gone = changes.filter((c) => c.op !== 'upsert');
  for (const chunk of inChunks(gone, rowsPerInsert)) {
    await trx.deleteFrom('records').where((eb) => eb.or(chunk.map((c) => eb.and([eb('entity', '=', c.entity), eb('id', '=', c.id)])))).execute();
  }
  // A work order that leaves takes its attachments along, as removeLocally does.
  await removeAttachmentsOf(trx, gone.filter((c) => c.entity === 'workOrder').map((c) => c.id));
}
