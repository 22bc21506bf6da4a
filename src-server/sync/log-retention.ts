import type { ServerDb } from '../db/schema';

const floorKey = 'log_floor';

/** The lowest seq a cursor may still continue from; older cursors get `reset`. */
export async function readLogFloor(db: ServerDb): Promise<number> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', floorKey).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

/**
 * Drops change-log entries and tombstones older than the retention window. A device whose cursor
 * is older is told to reset: a full resync that keeps its pending ops (design.md §5).
 */
export async function pruneChangeLog(db: ServerDb, olderThanIso: string): Promise<{ floor: number; removedChanges: number }> {
  return db.transaction().execute(async (trx) => {
    const newest = await trx
      .selectFrom('changes')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('committed_at', '<', olderThanIso)
      .executeTakeFirst();
    const floor = Number(newest?.seq ?? 0);
    if (floor === 0) return { floor: await readLogFloor(db), removedChanges: 0 };
    const removed = await trx.deleteFrom('changes').where('seq', '<=', floor).executeTakeFirst();
    await trx.deleteFrom('records').where('deleted', '=', 1).where('updated_at', '<', olderThanIso).execute();
    await trx
      .insertInto('meta')
      .values({ key: floorKey, value: String(floor) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(floor) }))
      .execute();
    return { floor, removedChanges: Number(removed.numDeletedRows) };
  });
}
