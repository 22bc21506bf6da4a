import { entityNameSchema } from '../../../src-shared/domain/entity-registry';
import type { Notice } from '../../../src-shared/ipc/ipc-views';
import { v7 as uuidv7 } from 'uuid';
import type { ClientDb, ClientTrx } from '../store/client-schema';

/** What the user must be told that is not a conflict (e.g. a work order removed because access ended). */
export async function unreadNotices(db: ClientDb): Promise<Notice[]> {
  const rows = await db.selectFrom('notices').selectAll().where('read', '=', 0).orderBy('created_at', 'desc').limit(50).execute();
  return rows.map((row) => {
    const entity = entityNameSchema.safeParse(row.entity);
    return { id: row.id, createdAt: row.created_at, message: row.message, entity: entity.success ? entity.data : null, recordId: row.record_id };
  });
}

export async function dismissNotice(db: ClientDb, id: string): Promise<void> {
  await db.updateTable('notices').set({ read: 1 }).where('id', '=', id).execute();
}

/** Tells the user something in words, in the change's own transaction. */
export async function addNotice(trx: ClientTrx, message: string, entity: string | null, recordId: string | null, nowIso: string): Promise<void> {
  await trx.insertInto('notices').values({ id: uuidv7(), created_at: nowIso, message, entity, record_id: recordId, read: 0 }).execute();
}
