import { idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import type { ClientTrx } from '../store/client-schema';

/*
 * A record leaving the laptop, with what is queued for it. The callers decide that it may leave:
 * nothing unsent goes unless it is safe elsewhere (unsent-work.ts, refused-changes.ts).
 */

/** Removes a record and what is queued for it; a work order takes its attachments along (their files follow after the cycle). */
export async function removeLocally(trx: ClientTrx, entity: string, id: string): Promise<void> {
  await trx.deleteFrom('records').where('entity', '=', entity).where('id', '=', id).execute();
  await trx.deleteFrom('bases').where('entity', '=', entity).where('record_id', '=', id).execute();
  await trx.deleteFrom('outbox').where('entity', '=', entity).where('record_id', '=', id).execute();
  if (entity === 'workOrder') await removeAttachmentsOf(trx, [id]);
}

/** The attachment records of work orders that leave the device, with what is queued for them. */
export async function removeAttachmentsOf(trx: ClientTrx, workOrderIds: readonly string[]): Promise<void> {
  for (const workOrders of inChunks(workOrderIds, idsPerStatement)) {
    const ids = (await trx.selectFrom('records').select('id').where('entity', '=', 'attachment').where('work_order_id', 'in', workOrders).execute()).map((r) => r.id);
    for (const chunk of inChunks(ids, idsPerStatement)) {
      await trx.deleteFrom('records').where('entity', '=', 'attachment').where('id', 'in', chunk).execute();
      await trx.deleteFrom('bases').where('entity', '=', 'attachment').where('record_id', 'in', chunk).execute();
      await trx.deleteFrom('outbox').where('entity', '=', 'attachment').where('record_id', 'in', chunk).execute();
    }
  }
}
