import { idsByEntity, idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import type { PushOp, PushRequest, PushResult } from '../../../src-shared/protocol/push';
import { serverInfoSchema } from '../../../src-shared/protocol/server-info';
import { recordAsSent } from '../../../src-shared/sync/as-sent-record';
import { recordKey, serverStateOf } from '../store/local-record';
import { basesOfRecords } from '../store/record-bases';
import type { ClientDb } from '../store/client-schema';
import type { Trx } from './record-settlement';
import { readSyncState, writeSyncState } from './sync-state';

const featuresSchema = serverInfoSchema.shape.features.unwrap();

/** as-sent once the server has said it gives them (a pull page's `server.features`), records until then. */
export async function answersToAsk(db: ClientDb): Promise<PushRequest['answers']> {
  const stored = await readSyncState(db, 'server_features');
  const features = featuresSchema.safeParse(stored === null ? [] : JSON.parse(stored));
  return features.success && features.data.includes('as-sent-answers') ? 'as-sent' : 'records';
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
export async function withAsSentRecords(trx: Trx, sent: readonly PushOp[], answers: readonly PushResult[]): Promise<PushResult[]> {
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
    const serverState = row ? serverStateOf(row, bases.get(recordKey(op.entity, op.id)) ?? {}) : null;
    if (!row || !serverState) return rest;
    if (row.version === op.baseVersion) return { ...rest, record: recordAsSent(serverState, op.patch, fields) };
    return { ...rest, version: row.version, record: serverState };
  });
}
