import { sql } from 'kysely';
import { expiresLocally, finishedStatuses } from '../../../src-shared/domain/local-data-expiry';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import { idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import { addNotice } from '../notices/notices';
import { removeAttachmentsOf } from './record-removal';
import { recordsWithUnsentWork, unsentUploadStates } from './unsent-work';
import { recordKey } from '../../../src-shared/domain/ids';

/**
 * Drops what came from the server and forgets the cursor, so the next pull downloads everything
 * again. A record with queued changes stays, and so does the work order of a queued attachment, and
 * an attachment whose file has not uploaded with its work order: a photo still on its way must not
 * lose its record or its work order on this device. Their files follow in the
 * attachment cleanup. Used when the server was replaced and when the user clears the cache.
 */
export async function dropServerData(trx: ClientTrx, clock: Clock, notice: string): Promise<{ removed: number; kept: number }> {
  const deleted = await trx
    .deleteFrom('records')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('outbox as o').select('o.seq').whereRef('o.entity', '=', 'records.entity').whereRef('o.record_id', '=', 'records.id'))),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outbox as o')
            .innerJoin('records as a', (join) => join.onRef('a.id', '=', 'o.record_id').on('a.entity', '=', 'attachment'))
            .select('o.seq')
            .where('o.entity', '=', 'attachment')
            .whereRef('a.work_order_id', '=', 'records.id'),
        ),
      ),
    )
    // A photo or document not yet uploaded keeps its record and its work order (unsent-work.ts).
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('attachment_files as f')
            .select('f.attachment_id')
            .where('f.upload_state', 'in', unsentUploadStates)
            .where((eb) =>
              eb.or([
                eb.and([eb('records.entity', '=', 'attachment'), eb('f.attachment_id', '=', eb.ref('records.id'))]),
                eb.and([eb('records.entity', '=', 'workOrder'), eb('f.work_order_id', '=', eb.ref('records.id'))]),
              ]),
            ),
        ),
      ),
    )
    .executeTakeFirst();
  await trx
    .deleteFrom('bases')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('outbox as o').select('o.seq').whereRef('o.entity', '=', 'bases.entity').whereRef('o.record_id', '=', 'bases.record_id'))),
    )
    .execute();
  await trx.deleteFrom('sync_state').where('key', 'in', ['cursor', 'server_id', 'server_head', 'server_features']).execute();
  await addNotice(trx, notice, null, null, isoAt(clock));
  const kept = await trx.selectFrom('records').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { removed: Number(deleted.numDeletedRows), kept: Number(kept.n) };
}

/**
 * Run at launch: closed and cancelled work orders whose last change is more than 90
 * days old leave the device with their attachment records (expiresLocally decides). A later change
 * on the server brings one back with the next pull, as any change in scope does.
 */
export async function expireFinishedWorkOrders(db: ClientDb, clock: Clock, pinned: readonly string[]): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const candidates = await trx
      .selectFrom('records')
      .select(['id', 'status', sql<string>`coalesce(json_extract(data, '$.updatedAt'), '')`.as('updatedAt')])
      .where('entity', '=', 'workOrder')
      .where('pending_delete', '=', 0)
      .where('status', 'in', finishedStatuses)
      .execute();
    if (candidates.length === 0) return 0;
    const unsent = await recordsWithUnsentWork(trx);
    const pinnedIds = new Set(pinned);
    const now = clock.now();
    const expired = candidates
      .filter((c) => expiresLocally({ id: c.id, status: c.status, updatedAt: c.updatedAt, unsettled: unsent.has(recordKey('workOrder', c.id)), pinned: pinnedIds.has(c.id) }, now))
      .map((c) => c.id);
    await removeAttachmentsOf(trx, expired);
    for (const chunk of inChunks(expired, idsPerStatement)) await trx.deleteFrom('records').where('entity', '=', 'workOrder').where('id', 'in', chunk).execute();
    return expired.length;
  });
}
