import { v7 as uuidv7 } from 'uuid';
import { entityNameSchema } from '../../../src-shared/domain/entity-registry';
import { errorEnvelopeSchema, FieldlineError } from '../../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { recordKey } from '../../../src-shared/domain/ids';
import { recordLabel } from '../store/record-label';
import { serverCopyOf } from '../store/server-copy';
import { opsFor, type OutboxRow } from './outbox-rows';
import { refreshSyncState, settleRecord } from '../sync/record-settlement';
import { removeLocally } from '../local-data/record-removal';
import { basesFor } from '../store/record-bases';

/** The outbox as the Queue screen shows it: every queued op, retry one, retry all failed, discard. */
export class OutboxActions {
  constructor(
    private readonly db: ClientDb,
    private readonly clock: Clock,
  ) {}

  async list() {
    const ops = await this.db.selectFrom('outbox').selectAll().orderBy('priority').orderBy('seq').execute();
    const labels = new Map<string, string>();
    for (const op of ops) {
      const key = recordKey(op.entity, op.record_id);
      if (labels.has(key)) continue;
      const row = await this.db.selectFrom('records').select('data').where('entity', '=', op.entity).where('id', '=', op.record_id).executeTakeFirst();
      labels.set(key, recordLabel(row ? parseData(row.data) : {}, op.record_id));
    }
    return ops.map((op) => ({
      opId: op.op_id,
      entity: op.entity,
      recordId: op.record_id,
      record: labels.get(recordKey(op.entity, op.record_id)) ?? op.record_id,
      kind: op.kind,
      summary: op.summary,
      priority: op.priority,
      state: op.state,
      attempts: op.attempts,
      lastError: op.last_error ? errorEnvelopeSchema.parse(JSON.parse(op.last_error)) : null,
      values: parseData(op.field_values),
      escalated: op.escalation_id !== null,
      nextAttemptAt: op.next_attempt_at > 0 ? new Date(op.next_attempt_at).toISOString() : null,
      queuedAt: op.created_at,
    }));
  }

  /**
   * A person retries a failed or refused change: a new op, built from the record as it is here now,
   * goes out on the next sync. A new op id, because the server answers an op id it has seen with
   * the answer it recorded; so a refusal whose cause has gone (access given back, the state moved
   * on) goes through. It settles the escalation the server keeps of a refused change, unless a
   * supervisor decided that first.
   */
  async retry(opId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const op = await trx.selectFrom('outbox').selectAll().where('op_id', '=', opId).executeTakeFirst();
      if (!op) throw new FieldlineError('NOT_FOUND', 'That change is no longer queued');
      if (op.state !== 'failed' && op.state !== 'refused') return;
      const row = await trx.selectFrom('records').select(['data', 'version']).where('entity', '=', op.entity).where('id', '=', op.record_id).executeTakeFirst();
      const now = parseData(row?.data ?? '{}');
      const values = op.kind === 'delete' ? {} : Object.fromEntries(Object.keys(parseData(op.field_values)).map((field) => [field, now[field] ?? null]));
      await trx.deleteFrom('outbox').where('op_id', '=', opId).execute();
      await trx
        .insertInto('outbox')
        .values({
          ...op,
          seq: undefined,
          op_id: uuidv7(),
          base_version: row?.version ?? op.base_version,
          field_values: JSON.stringify(values),
          state: 'pending',
          attempts: 0,
          next_attempt_at: 0,
          last_error: null,
          resolves: op.escalation_id ?? op.resolves,
          escalation_id: null,
          created_at: isoAt(this.clock),
          client_time: isoAt(this.clock),
        })
        .execute();
      await refreshSyncState(trx, op.entity, op.record_id);
    });
  }

  async retryAllFailed(): Promise<number> {
    const failed = await this.db.selectFrom('outbox').select('op_id').where('state', 'in', ['failed', 'refused']).execute();
    for (const op of failed) await this.retry(op.op_id);
    return failed.length;
  }

  /** Throws the change away: the record returns to the server's state (or disappears if never synced). */
  async discard(opId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const op = await trx.selectFrom('outbox').selectAll().where('op_id', '=', opId).executeTakeFirst();
      if (!op) throw new FieldlineError('NOT_FOUND', 'That change is no longer queued');
      if (op.state === 'in-flight') throw new FieldlineError('VALIDATION_ERROR', 'That change is being sent right now; try again in a moment');
      await withdrawOp(trx, op, isoAt(this.clock));
    });
  }
}

/**
 * Takes an op out of the queue and settles its record on the server's state: a person discarded
 * it, or the server holds its values already (a supervisor applied a refused change).
 */
export async function withdrawOp(trx: ClientTrx, op: Pick<OutboxRow, 'op_id' | 'entity' | 'record_id'>, nowIso: string): Promise<void> {
  await trx.deleteFrom('outbox').where('op_id', '=', op.op_id).execute();
  const row = await trx.selectFrom('records').selectAll().where('entity', '=', op.entity).where('id', '=', op.record_id).executeTakeFirst();
  if (!row) return;
  const server = serverCopyOf(row, await basesFor(trx, op.entity, op.record_id));
  if (server === null) {
    if ((await opsFor(trx, op.entity, op.record_id)).length === 0) await removeLocally(trx, op.entity, op.record_id);
    return;
  }
  await settleRecord(trx, entityNameSchema.parse(op.entity), op.record_id, server, row.version, nowIso);
}
