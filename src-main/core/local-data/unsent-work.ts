import { recordKey } from '../../../src-shared/domain/ids';
import type { ClientTrx } from '../store/client-schema';

/** An attachment's file that is ours and not (yet) on the server: the bytes exist only on this laptop. */
export const unsentUploadStates = ['waiting', 'uploading', 'failed'] as const;

/**
 * The records that hold a technician's work found only on this laptop (docs/keeping-work-safe.md: a record
 * leaves the device only once that work is safe on the server): records with a queued change or an
 * open conflict, attachments whose file has not uploaded, and the work orders of those attachments.
 * By recordKey. Every path that removes records it did not just receive asks this first.
 */
export async function recordsWithUnsentWork(trx: ClientTrx): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const op of await trx.selectFrom('outbox').select(['entity', 'record_id']).execute()) keys.add(recordKey(op.entity, op.record_id));
  for (const c of await trx.selectFrom('conflicts').select(['entity', 'record_id']).where('status', '=', 'open').execute()) keys.add(recordKey(c.entity, c.record_id));
  for (const file of await trx.selectFrom('attachment_files').select(['attachment_id', 'work_order_id']).where('upload_state', 'in', unsentUploadStates).execute()) {
    keys.add(recordKey('attachment', file.attachment_id));
    keys.add(recordKey('workOrder', file.work_order_id));
  }
  const queuedAttachments = await trx
    .selectFrom('outbox')
    .innerJoin('records', (join) => join.onRef('records.entity', '=', 'outbox.entity').onRef('records.id', '=', 'outbox.record_id'))
    .select('records.work_order_id')
    .where('outbox.entity', '=', 'attachment')
    .execute();
  for (const a of queuedAttachments) if (a.work_order_id) keys.add(recordKey('workOrder', a.work_order_id));
  return keys;
}

/**
 * Whether a record holds the technician's work that is only on this device besides its own ops: a
 * photo or document not yet uploaded, or, for a work order, one of its attachments with a change
 * not held by the server.
 */
export async function hasUnsentWork(trx: ClientTrx, entity: string, id: string): Promise<boolean> {
  if (entity !== 'workOrder' && entity !== 'attachment') return false;
  const unsent = await trx
    .selectFrom('attachment_files')
    .select('attachment_id')
    .where(entity === 'workOrder' ? 'work_order_id' : 'attachment_id', '=', id)
    .where('upload_state', 'in', unsentUploadStates)
    .executeTakeFirst();
  if (unsent) return true;
  if (entity === 'attachment') return false;
  const attachmentOp = await trx
    .selectFrom('outbox')
    .innerJoin('records', (join) => join.onRef('records.entity', '=', 'outbox.entity').onRef('records.id', '=', 'outbox.record_id'))
    .select('outbox.op_id')
    .where('records.entity', '=', 'attachment')
    .where('records.work_order_id', '=', id)
    .where((eb) => eb.or([eb('outbox.state', '!=', 'refused'), eb('outbox.escalation_id', 'is', null)]))
    .executeTakeFirst();
  return attachmentOp !== undefined;
}
