import { entityNameSchema } from '../../../src-shared/domain/entity-registry';
import { errorEnvelopeSchema, FieldlineError } from '../../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { ClientDb } from '../store/client-schema';
import { parseData, recordKey, recordLabel, serverStateOf } from '../store/local-record';
import { opsFor, refreshSyncState, removeLocally, settleRecord } from '../sync/record-settlement';
import { basesFor } from '../store/record-bases';

/** The queue view's data and actions (issue: every queued op, retry, retry all failed, discard). */
export class QueueActions {
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
      nextAttemptAt: op.next_attempt_at > 0 ? new Date(op.next_attempt_at).toISOString() : null,
      queuedAt: op.created_at,
    }));
  }

  /** A person retries: the op goes out on the next sync, with a fresh count of attempts. */
  async retry(opId: string): Promise<void> {
    const op = await this.db.selectFrom('outbox').selectAll().where('op_id', '=', opId).executeTakeFirst();
    if (!op) throw new FieldlineError('NOT_FOUND', 'That change is no longer queued');
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('outbox').set({ state: 'pending', attempts: 0, next_attempt_at: 0 }).where('op_id', '=', opId).where('state', '=', 'failed').execute();
      await refreshSyncState(trx, op.entity, op.record_id);
    });
  }

  async retryAllFailed(): Promise<number> {
    const failed = await this.db.selectFrom('outbox').select('op_id').where('state', '=', 'failed').execute();
    for (const op of failed) await this.retry(op.op_id);
    return failed.length;
  }

  /** Throws the change away: the record returns to the server's state (or disappears if never synced). */
  async discard(opId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const op = await trx.selectFrom('outbox').selectAll().where('op_id', '=', opId).executeTakeFirst();
      if (!op) throw new FieldlineError('NOT_FOUND', 'That change is no longer queued');
      if (op.state === 'in-flight') throw new FieldlineError('VALIDATION_ERROR', 'That change is being sent right now; try again in a moment');
      await trx.deleteFrom('outbox').where('op_id', '=', opId).execute();
      const row = await trx.selectFrom('records').selectAll().where('entity', '=', op.entity).where('id', '=', op.record_id).executeTakeFirst();
      if (!row) return;
      const server = serverStateOf(row, await basesFor(trx, op.entity, op.record_id));
      if (server === null) {
        if ((await opsFor(trx, op.entity, op.record_id)).length === 0) await removeLocally(trx, op.entity, op.record_id);
        return;
      }
      await settleRecord(trx, entityNameSchema.parse(op.entity), op.record_id, server, row.version, isoAt(this.clock));
    });
  }
}
