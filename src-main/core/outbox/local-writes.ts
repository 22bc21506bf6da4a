import { v7 as uuidv7 } from 'uuid';
import type { Transaction, Insertable } from 'kysely';
import { entitySchemas, isServerManaged, type EntityName } from '../../../src-shared/domain/entity-registry';
import type { Json } from '../../../src-shared/domain/json';
import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import { FieldlineError, validationError } from '../../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { coalesceValues, type FieldValues } from '../../../src-shared/sync/coalesce';
import { opPriority } from '../../../src-shared/sync/op-priority';
import { serverCopyToKeep } from '../../../src-shared/sync/server-copy';
import type { ClientDatabase, ClientDb, OutboxTable } from '../store/client-schema';
import { changedListColumns, listColumns } from '../store/list-columns';
import { parseData } from '../store/stored-json';
import { serverCopyOf } from '../store/server-copy';
import { basesFor } from '../store/record-bases';

export type LocalChange =
  | { kind: 'create'; entity: EntityName; record: JsonRecord & { id: string }; summary: string; dependsOn?: string[] }
  | { kind: 'update'; entity: EntityName; id: string; values: FieldValues; summary: string; resolves?: string }
  /**
   * An update computed from the record as it is inside the write's transaction (appending to a
   * list, a state machine step): the sync worker's connection may commit a pulled change between
   * a separate read and the write, and values built on that stale read would overwrite it.
   */
  | { kind: 'edit'; entity: EntityName; id: string; edit: (current: JsonRecord) => { values: FieldValues; summary: string } }
  | { kind: 'delete'; entity: EntityName; id: string; summary: string };

export interface LocalWriteResult {
  /** The op that carries the change; null when nothing is left to send (e.g. an undone edit). */
  opId: string | null;
  priority: number;
}

function withoutServerFields(entity: EntityName, record: JsonRecord): FieldValues {
  return Object.fromEntries(Object.entries(record).filter(([field]) => field !== 'id' && !isServerManaged(entity, field)));
}

function validate(entity: EntityName, data: JsonRecord): void {
  const parsed = entitySchemas[entity].safeParse(data);
  if (!parsed.success) throw validationError(`${entity}`, parsed.error);
}

function mergeSummaries(a: string, b: string): string {
  const parts = [...new Set([...a.split('; '), b])];
  const text = parts.join('; ');
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * docs/architecture.md, The sync model: one transaction writes the record's new local view, the outbox op (folded into a
 * queued op on the same record if that one is not in flight) and, for each touched field, its
 * base: the last value the server acknowledged.
 */
export async function writeLocalChange(
  db: ClientDb,
  clock: Clock,
  change: LocalChange,
  /** More rows that must commit with the change or not at all (an attachment's file keys). */
  alongside?: (trx: Transaction<ClientDatabase>) => Promise<void>,
): Promise<LocalWriteResult> {
  const nowIso = isoAt(clock);
  return db.transaction().execute(async (trx) => {
    await alongside?.(trx);
    if (change.kind === 'create') return createLocally(trx, nowIso, change);
    const row = await trx.selectFrom('records').selectAll().where('entity', '=', change.entity).where('id', '=', change.id).executeTakeFirst();
    if (!row || row.pending_delete === 1) throw new FieldlineError('NOT_FOUND', `${change.entity} ${change.id} is not on this device`);
    const data = parseData(row.data);
    const bases = await basesFor(trx, change.entity, change.id);
    const serverData = serverCopyOf(row, bases, data);
    const latest = await trx
      .selectFrom('outbox')
      .selectAll()
      .where('entity', '=', change.entity)
      .where('record_id', '=', change.id)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const queued = latest?.state === 'pending' ? latest : undefined;

    if (change.kind === 'delete') {
      if (queued?.kind === 'create') {
        // Never reached the server: nothing to send, nothing to keep.
        await trx.deleteFrom('outbox').where('op_id', '=', queued.op_id).execute();
        await trx.deleteFrom('records').where('entity', '=', change.entity).where('id', '=', change.id).execute();
        await trx.deleteFrom('bases').where('entity', '=', change.entity).where('record_id', '=', change.id).execute();
        return { opId: null, priority: queued.priority };
      }
      const priority = opPriority(change.entity, 'delete', {});
      await trx
        .updateTable('records')
        // The view and the bases stay as they are, so the server's state is still theirs to give back.
        .set({ pending_delete: 1, sync_state: 'queued', updated_at: nowIso })
        .where('entity', '=', change.entity)
        .where('id', '=', change.id)
        .execute();
      if (queued) {
        await trx
          .updateTable('outbox')
          .set({ kind: 'delete', field_values: '{}', priority: Math.min(priority, queued.priority), summary: change.summary, client_time: nowIso })
          .where('op_id', '=', queued.op_id)
          .execute();
        return { opId: queued.op_id, priority: Math.min(priority, queued.priority) };
      }
      const opId = uuidv7();
      await trx.insertInto('outbox').values(newOp(opId, change.entity, change.id, 'delete', row.version, {}, priority, change.summary, [], null, nowIso)).execute();
      return { opId, priority };
    }

    // update, or an edit of the record as it is now
    const update = change.kind === 'edit' ? { ...change.edit(data), resolves: undefined } : change;
    const next: JsonRecord = { ...data, ...update.values };
    validate(change.entity, next);
    if (serverData) {
      for (const field of Object.keys(update.values)) {
        if (field in bases) continue;
        const base: Json = serverData[field] ?? null;
        bases[field] = base;
        await trx.insertInto('bases').values({ entity: change.entity, record_id: change.id, field, value: JSON.stringify(base) }).execute();
      }
    }
    let opId: string | null;
    let priority = opPriority(change.entity, 'update', update.values);
    const server = await serverValuesToCompare(trx, change.entity, change.id, serverData, latest !== undefined);
    if (queued) {
      const kind = queued.kind === 'create' ? 'create' : 'update';
      const values = coalesceValues(parseData(queued.field_values), update.values, server, kind);
      priority = Math.min(priority, queued.priority);
      if (Object.keys(values).length === 0 && kind === 'update' && !queued.resolves && !update.resolves) {
        await trx.deleteFrom('outbox').where('op_id', '=', queued.op_id).execute();
        opId = null;
      } else {
        await trx
          .updateTable('outbox')
          .set({
            field_values: JSON.stringify(values),
            priority,
            summary: mergeSummaries(queued.summary, update.summary),
            client_time: nowIso,
            resolves: update.resolves ?? queued.resolves,
          })
          .where('op_id', '=', queued.op_id)
          .execute();
        opId = queued.op_id;
      }
    } else {
      // A decision on a conflict is sent as it is, even with nothing to change: it closes the
      // conflict on the server. Otherwise the fields that already hold the server's value drop out.
      const values = update.resolves ? update.values : coalesceValues({}, update.values, server, 'update');
      if (Object.keys(values).length === 0 && !update.resolves) {
        opId = null;
      } else {
        opId = uuidv7();
        await trx
          .insertInto('outbox')
          .values(newOp(opId, change.entity, change.id, 'update', row.version, values, priority, update.summary, [], update.resolves ?? null, nowIso))
          .execute();
      }
    }
    const stillQueued = opId !== null || (await hasOps(trx, change.entity, change.id));
    await trx
      .updateTable('records')
      .set({
        data: JSON.stringify(next),
        // Kept only where the new view and bases do not give it back (a field the server never had).
        server_data: row.server_data ?? (serverData && serverCopyToKeep(next, bases, serverData)),
        ...changedListColumns(change.entity, next, row),
        sync_state: row.sync_state === 'conflict' ? 'conflict' : stillQueued ? 'queued' : 'synced',
        updated_at: nowIso,
      })
      .where('entity', '=', change.entity)
      .where('id', '=', change.id)
      .execute();
    if (!stillQueued) await trx.deleteFrom('bases').where('entity', '=', change.entity).where('record_id', '=', change.id).execute();
    return { opId, priority };
  });
}

async function createLocally(trx: Transaction<ClientDatabase>, nowIso: string, change: Extract<LocalChange, { kind: 'create' }>): Promise<LocalWriteResult> {
  validate(change.entity, change.record);
  const exists = await trx.selectFrom('records').select('id').where('entity', '=', change.entity).where('id', '=', change.record.id).executeTakeFirst();
  if (exists) throw new FieldlineError('VALIDATION_ERROR', `${change.entity} ${change.record.id} exists already`);
  const values = withoutServerFields(change.entity, change.record);
  const priority = opPriority(change.entity, 'create', values);
  await trx
    .insertInto('records')
    .values({
      entity: change.entity,
      id: change.record.id,
      version: 0,
      data: JSON.stringify(change.record),
      server_data: null,
      sync_state: 'queued',
      ...listColumns(change.entity, change.record),
      pending_delete: 0,
      updated_at: nowIso,
    })
    .execute();
  const opId = uuidv7();
  await trx.insertInto('outbox').values(newOp(opId, change.entity, change.record.id, 'create', 0, values, priority, change.summary, change.dependsOn ?? [], null, nowIso)).execute();
  return { opId, priority };
}

function newOp(
  opId: string,
  entity: EntityName,
  recordId: string,
  kind: OutboxTable['kind'],
  baseVersion: number,
  values: FieldValues,
  priority: number,
  summary: string,
  dependsOn: string[],
  resolves: string | null,
  nowIso: string,
): Insertable<OutboxTable> {
  return {
    op_id: opId,
    entity,
    record_id: recordId,
    kind,
    base_version: baseVersion,
    field_values: JSON.stringify(values),
    priority,
    state: 'pending',
    attempts: 0,
    next_attempt_at: 0,
    last_error: null,
    summary,
    depends_on: JSON.stringify(dependsOn),
    resolves,
    created_at: nowIso,
    client_time: nowIso,
  };
}

/**
 * The server's values an edit is compared with (coalesceValues), less the fields an op in flight is
 * changing: what the server will hold for those is not known until it answers.
 */
async function serverValuesToCompare(trx: Transaction<ClientDatabase>, entity: string, id: string, serverData: JsonRecord | null, queuedOps: boolean): Promise<FieldValues> {
  if (!serverData) return {};
  if (!queuedOps) return serverData;
  const inFlight = await trx.selectFrom('outbox').select('field_values').where('entity', '=', entity).where('record_id', '=', id).where('state', '=', 'in-flight').execute();
  const server: FieldValues = { ...serverData };
  for (const op of inFlight) for (const field of Object.keys(parseData(op.field_values))) delete server[field];
  return server;
}

async function hasOps(trx: Transaction<ClientDatabase>, entity: string, id: string): Promise<boolean> {
  return (await trx.selectFrom('outbox').select('op_id').where('entity', '=', entity).where('record_id', '=', id).limit(1).executeTakeFirst()) !== undefined;
}
