import { v7 as uuidv7 } from 'uuid';
import { fieldNames } from '../../../src-shared/domain/field-names';
import type { ErrorEnvelope } from '../../../src-shared/protocol/errors';
import type { PushResult } from '../../../src-shared/protocol/push';
import type { Clock } from '../../../src-shared/sync/clock';
import { actionFor, maxAttempts, retryDelayMs } from '../../../src-shared/sync/retry-policy';
import { parseData } from '../store/stored-json';
import { recordLabel } from '../store/record-label';
import { addNotice } from '../notices/notices';
import { opsFor, type OutboxRow } from '../outbox/outbox-rows';
import { refreshSyncState } from './record-settlement';
import { removeLocally } from '../local-data/record-removal';
import type { ClientTrx } from '../store/client-schema';
import { hasUnsentWork } from '../local-data/unsent-work';

/**
 * A change the server refuses is never deleted (docs/keeping-work-safe.md). It stays queued as `refused`, its
 * values in the record's view, with the reason in words; the server keeps it as an escalation for
 * the site's supervisors. A record that left this user's scope leaves the device only once every
 * change queued on it is safe on the server that way, and the technician is told what was handed
 * over. One file decides all of that.
 */

/** The server's answer that another person decided the conflict this op decides (push-service decidedAlready). */
function decidedFirst(error: ErrorEnvelope): { conflictId: string; resolvedByName: string | null; resolvedAt: string | null } | null {
  const d = error.details;
  if (error.code !== 'VERSION_CONFLICT' || typeof d !== 'object' || d === null || !('conflictId' in d) || typeof d.conflictId !== 'string') return null;
  const name = 'resolvedByName' in d && typeof d.resolvedByName === 'string' ? d.resolvedByName : null;
  const at = 'resolvedAt' in d && typeof d.resolvedAt === 'string' ? d.resolvedAt : null;
  return { conflictId: d.conflictId, resolvedByName: name, resolvedAt: at };
}

/**
 * Settles a rejected op: retried later if the cause may pass (false), otherwise kept as refused (or
 * failed) and never dropped (true).
 */
export async function keepRejected(trx: ClientTrx, op: OutboxRow, result: PushResult, clock: Clock, random: () => number, nowIso: string): Promise<boolean> {
  const error = result.error ?? { code: 'SERVER_ERROR' as const, message: 'The server refused this change without a reason' };
  const late = decidedFirst(error);
  const attempts = op.attempts + 1;
  if (!result.escalation && !late && actionFor(error.code) === 'retry' && attempts < maxAttempts) {
    await trx
      .updateTable('outbox')
      .set({ state: 'pending', attempts, next_attempt_at: clock.now() + retryDelayMs(attempts, random), last_error: JSON.stringify(error) })
      .where('op_id', '=', op.op_id)
      .execute();
    return false;
  }
  // A server that predates escalations keeps nothing of a refused change: the device keeps it as failed.
  const state = result.escalation || late ? 'refused' : 'failed';
  await trx
    .updateTable('outbox')
    .set({ state, attempts, last_error: JSON.stringify(error), escalation_id: result.escalation?.id ?? null })
    .where('op_id', '=', op.op_id)
    .execute();
  if (late) await closeDecidedElsewhere(trx, late.conflictId, { decidedBy: late.resolvedByName ?? 'someone else', decidedAt: late.resolvedAt }, nowIso);
  if (!(result.leftScope && (await handOverIfSafe(trx, op.entity, op.record_id, error.message, nowIso)))) await refreshSyncState(trx, op.entity, op.record_id);
  return true;
}

/**
 * An applied op part of which was refused (push-service applyOpOrRefuse): the refused fields stay
 * queued as a refused op of their own, so the record's view keeps the technician's values while
 * the rest settles as applied. Called before the record settles.
 */
export async function keepRefusedPart(trx: ClientTrx, op: OutboxRow, result: PushResult, nowIso: string): Promise<void> {
  const escalation = result.escalation;
  if (!escalation) return;
  const values = parseData(op.field_values);
  const refused = Object.fromEntries(escalation.fields.filter((f) => f.field in values).map((f) => [f.field, values[f.field] ?? null]));
  if (Object.keys(refused).length === 0) return;
  await trx
    .insertInto('outbox')
    .values({
      op_id: uuidv7(),
      entity: op.entity,
      record_id: op.record_id,
      kind: 'update',
      base_version: op.base_version,
      field_values: JSON.stringify(refused),
      priority: op.priority,
      state: 'refused',
      attempts: op.attempts + 1,
      next_attempt_at: 0,
      last_error: JSON.stringify(result.error ?? { code: 'PERMISSION_DENIED', message: 'The server refused part of this change' }),
      summary: `${op.summary} (refused part)`,
      depends_on: '[]',
      resolves: null,
      escalation_id: escalation.id,
      created_at: nowIso,
      client_time: op.client_time,
    })
    .execute();
}

/**
 * A record that left this user's scope (reassigned, moved to another site) goes only when nothing
 * of the technician's is left only here: every op on it refused and held by the server as an
 * escalation, and, for a work order, no photo or document of it still waiting to upload. Returns
 * whether it went; otherwise it stays, its refused changes visible.
 */
export async function handOverIfSafe(trx: ClientTrx, entity: string, id: string, reason: string, nowIso: string): Promise<boolean> {
  const ops = await opsFor(trx, entity, id);
  if (ops.some((op) => op.state !== 'refused' || op.escalation_id === null)) return false;
  if (await hasUnsentWork(trx, entity, id)) return false;
  const row = await trx.selectFrom('records').select('data').where('entity', '=', entity).where('id', '=', id).executeTakeFirst();
  const label = recordLabel(row ? parseData(row.data) : {}, id);
  const fields = [...new Set(ops.flatMap((op) => Object.keys(parseData(op.field_values))))];
  await removeLocally(trx, entity, id);
  const handedOver = fields.length > 0 ? ` Handed over: ${fieldNames(fields)}.` : '';
  await addNotice(trx, `${reason.includes(label) ? reason : `${label}: ${reason}`}.${handedOver}`, entity, id, nowIso);
  return true;
}

/** This device's open conflict that someone else decided first: closed, saying who decided. */
export async function closeDecidedElsewhere(trx: ClientTrx, serverConflictId: string, decision: { decidedBy: string; decidedAt: string | null }, nowIso: string): Promise<void> {
  const open = await trx.selectFrom('conflicts').select(['id', 'entity', 'record_id']).where('server_conflict_id', '=', serverConflictId).where('status', '=', 'open').execute();
  for (const conflict of open) {
    await trx
      .updateTable('conflicts')
      .set({ status: 'resolved', resolved_at: decision.decidedAt ?? nowIso, resolution: JSON.stringify({ decidedBy: decision.decidedBy, decidedElsewhere: true }) })
      .where('id', '=', conflict.id)
      .execute();
    await refreshSyncState(trx, conflict.entity, conflict.record_id);
  }
}
