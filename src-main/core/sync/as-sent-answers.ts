import { sql } from 'kysely';
import { idsByEntity, idsPerStatement, inChunks, rowsPerInsert } from '../../../src-shared/sqlite/statement-chunks';
import type { PushOp, PushRequest, PushResult } from '../../../src-shared/protocol/push';
import { recordAsSent } from '../../../src-shared/sync/as-sent-record';
import { listColumnFields } from '../store/list-columns';
import { recordKey } from '../../../src-shared/domain/ids';
import { serverCopyOf } from '../store/server-copy';
import { basesOfRecords, deleteBasesOf } from '../store/record-bases';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import { recordsStillBusy } from './record-settlement';
import type { OutboxRow } from '../outbox/outbox-rows';
import { serverNamed, writeSyncState } from './sync-state';

/** as-sent once the server has said it gives them (a pull page's `server.features`), records until then. */
export async function answersToAsk(db: ClientDb): Promise<PushRequest['answers']> {
  return (await serverNamed(db, 'as-sent-answers')) ? 'as-sent' : 'records';
}

/** Until the next pull page says again what the server understands. */
export async function forgetServerFeatures(db: ClientDb): Promise<void> {
  await writeSyncState(db, 'server_features', '[]');
}

/**
 * The push answers of a batch with every `asSent` answer turned back into the record it stands for,
 * built from the server state this device holds (recordAsSent), so settling takes one shape.
 * Read inside the settling transaction: the stored version is the one the record settles on.
 *
 * A record whose stored version is no longer the op's base was pulled since, at a version that the
 * server gave it after this op (the server answers `asSent` only when the op's base was its latest):
 * it settles on that stored state. A record gone from the device keeps an answer without a record.
 */
export async function withAsSentRecords(trx: ClientTrx, sent: readonly PushOp[], answers: readonly PushResult[]): Promise<PushResult[]> {
  const opsById = new Map(sent.map((op) => [op.opId, op]));
  const asSent = answers.flatMap((answer) => {
    const op = opsById.get(answer.opId);
    return answer.asSent && op ? [op] : [];
  });
  if (asSent.length === 0) return [...answers];
  const stored = new Map<string, { version: number; data: string; server_data: string | null }>();
  const bases = await basesOfRecords(trx, asSent);
  for (const [entity, ids] of idsByEntity(asSent)) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      const rows = await trx.selectFrom('records').select(['id', 'version', 'data', 'server_data']).where('entity', '=', entity).where('id', 'in', chunk).execute();
      for (const { id, ...row } of rows) stored.set(recordKey(entity, id), row);
    }
  }
  return answers.map((answer) => {
    const op = opsById.get(answer.opId);
    if (!answer.asSent || !op) return answer;
    const { asSent: fields, ...rest } = answer;
    const row = stored.get(recordKey(op.entity, op.id));
    const serverState = row ? serverCopyOf(row, bases.get(recordKey(op.entity, op.id)) ?? {}) : null;
    if (!row || !serverState) return rest;
    if (row.version === op.baseVersion) return { ...rest, record: recordAsSent(serverState, op.patch, fields) };
    return { ...rest, version: row.version, record: serverState };
  });
}

/**
 * Whether the fields of an `asSent` answer can be written into the stored record by SQLite's
 * json_patch exactly as recordAsSent writes them: a value a merge patch sets as it is (null would
 * delete the field, an object would be merged into the one there), and no field a list column is
 * taken from (the row's list columns stay as they are).
 */
function patchableInPlace(fields: Readonly<Record<string, unknown>>): boolean {
  return Object.entries(fields).every(([field, value]) => !listColumnFields.has(field) && value !== null && (typeof value !== 'object' || Array.isArray(value)));
}

/**
 * Settles inside the database the answers that leave the device nothing to decide: an update
 * applied exactly as sent (`asSent`) to a record that has no other queued op and no open conflict,
 * keeps no server copy and is still at the op's base version. Such a record's view is its server
 * state with this op's values on top and nothing else, so the server's new record (recordAsSent)
 * is the view with the answer's fields set: json_patch writes it where withAsSentRecords and the
 * settle would read each record, parse it, rebuild it and serialise it again, a large part of a big
 * push's work on the device (bench figure 3). Its op and bases go, as settling does. Returns the op ids settled; the others take the usual path, untouched.
 */
export async function settleAsSentInPlace(trx: ClientTrx, batch: readonly OutboxRow[], sent: readonly PushOp[], answers: readonly PushResult[], nowIso: string): Promise<Set<string>> {
  const wire = new Map(sent.map((op) => [op.opId, op]));
  const answered = new Map(answers.map((answer) => [answer.opId, answer]));
  const candidates = batch.flatMap((op) => {
    const answer = answered.get(op.op_id);
    const sentOp = wire.get(op.op_id);
    if (op.kind !== 'update' || !sentOp || !answer?.asSent || answer.version === undefined || answer.status !== 'applied') return [];
    if (answer.record || answer.conflict || answer.deleted || (answer.survivorId && answer.survivorId !== op.record_id)) return [];
    return patchableInPlace(answer.asSent) ? [{ op, baseVersion: sentOp.baseVersion, version: answer.version, fields: JSON.stringify(answer.asSent) }] : [];
  });
  if (candidates.length === 0) return new Set();
  const busy = await recordsStillBusy(trx, candidates.map((c) => c.op));
  const settled = new Set<string>();
  for (const chunk of inChunks(candidates.filter((c) => !busy.has(recordKey(c.op.entity, c.op.record_id))), rowsPerInsert)) {
    const values = sql.join(chunk.map((c) => sql`(${c.op.entity}, ${c.op.record_id}, ${c.baseVersion}, ${c.version}, ${c.fields})`));
    const { rows } = await sql<{ entity: string; id: string }>`with answered(entity, id, base_version, version, fields) as (values ${values})
      update records set version = answered.version, data = json_patch(records.data, answered.fields), sync_state = 'synced', updated_at = ${nowIso}
      from answered where records.entity = answered.entity and records.id = answered.id and records.version = answered.base_version and records.server_data is null
      returning records.entity, records.id`.execute(trx);
    for (const row of rows) settled.add(recordKey(row.entity, row.id));
  }
  const done = candidates.filter((c) => settled.has(recordKey(c.op.entity, c.op.record_id)));
  for (const chunk of inChunks(done.map((c) => c.op.op_id), idsPerStatement)) await trx.deleteFrom('outbox').where('op_id', 'in', chunk).execute();
  await deleteBasesOf(trx, done.map((c) => ({ entity: c.op.entity, id: c.op.record_id })));
  return new Set(done.map((c) => c.op.op_id));
}
