import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../src-shared/sync/clock';
import type { DialectName, ServerDb } from '../db/schema';
import { withChoreLock } from '../db/chore-lock';

const floorKey = 'log_floor';

/** The lowest seq a cursor may still continue from; older cursors get `reset`. */
export async function readLogFloor(db: ServerDb): Promise<number> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', floorKey).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

export interface PruneOutcome {
  /** The new floor: cursors below it get `reset`. */
  floor: number;
  removedChanges: number;
  /** Recorded op results dropped: an op older than the window is no longer recognised if sent again. */
  removedOps: number;
}

/**
 * Drops change-log entries, tombstones and recorded op results older than the retention window.
 * A device whose cursor is older is told to reset: a full resync that keeps its pending ops
 * (docs/architecture.md, The sync model). An op is sent again only when its answer was lost, and a device retries within
 * minutes once it is back; the window must be far longer than a device stays offline (7 days).
 */
export async function pruneHistory(db: ServerDb, olderThanIso: string): Promise<PruneOutcome> {
  return db.transaction().execute(async (trx) => {
    const ops = await trx.deleteFrom('applied_ops').where('created_at', '<', olderThanIso).executeTakeFirst();
    const removedOps = Number(ops.numDeletedRows);
    const newest = await trx
      .selectFrom('changes')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('committed_at', '<', olderThanIso)
      .executeTakeFirst();
    const floor = Number(newest?.seq ?? 0);
    if (floor === 0) return { floor: await readLogFloor(trx), removedChanges: 0, removedOps };
    const removed = await trx.deleteFrom('changes').where('seq', '<=', floor).executeTakeFirst();
    // A tombstone goes with its history: the record is gone for good.
    await trx
      .deleteFrom('record_history')
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('records as r')
            .select('r.id')
            .whereRef('r.entity', '=', 'record_history.entity')
            .whereRef('r.id', '=', 'record_history.record_id')
            .where('r.deleted', '=', 1)
            .where('r.updated_at', '<', olderThanIso),
        ),
      )
      .execute();
    await trx.deleteFrom('records').where('deleted', '=', 1).where('updated_at', '<', olderThanIso).execute();
    await trx
      .insertInto('meta')
      .values({ key: floorKey, value: String(floor) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(floor) }))
      .execute();
    return { floor, removedChanges: Number(removed.numDeletedRows), removedOps };
  });
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * Keeps `days` of history: prunes once now and then once a day, logging what went. `sweep` prunes
 * at once (the timer and the tests call it); the clock says what "now" is.
 */
export function scheduleRetention(db: ServerDb, dialect: DialectName, clock: Clock, days: number, log: Pick<FastifyBaseLogger, 'info' | 'error'>): { sweep(): Promise<PruneOutcome>; stop(): void } {
  const sweep = () => pruneHistory(db, new Date(clock.now() - days * dayMs).toISOString());
  const run = () => {
    // One instance of a fleet sweeps; the others find the lock taken and skip this round.
    withChoreLock(db, dialect, 'retention', { wait: false }, sweep).then(
      (outcome) => (outcome ? log.info({ retentionDays: days, ...outcome }, 'change log pruned') : log.info({}, 'another instance prunes the change log')),
      (error: unknown) => log.error({ err: error }, 'pruning the change log failed; it runs again tomorrow'),
    );
  };
  run();
  const timer = setInterval(run, dayMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
