import { maxConflictIdsPerQuery, type Conflict } from '../../../src-shared/protocol/conflicts';
import { inChunks } from '../../../src-shared/sqlite/statement-chunks';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { withdrawOp } from '../outbox/outbox-actions';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { recordLabel } from '../store/record-label';
import type { AuthSession } from '../auth/auth-session';
import { addNotice } from '../notices/notices';
import { refreshSyncState } from './record-settlement';
import { closeDecidedElsewhere } from './refused-changes';
import type { SyncApi } from './sync-api';
import { serverNamed } from './sync-state';

export interface DecisionContext {
  db: ClientDb;
  api: SyncApi;
  auth: AuthSession;
  clock: Clock;
}

/** Whether a decision took the technician's values for any field (a supervisor applied a refused change). */
function tookTechnicianValues(conflict: Conflict): boolean {
  const resolution = conflict.resolution ?? {};
  if (resolution.choice === 'local') return true;
  const fields = resolution.fields;
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return false;
  return Object.values(fields).some((d) => typeof d === 'object' && d !== null && !Array.isArray(d) && (d.choice === 'local' || d.choice === 'value'));
}

/**
 * One decision per conflict (docs/keeping-work-safe.md): after each pull the device asks the server
 * what became of the conflicts and escalations it holds open. A conflict someone else decided
 * closes here, saying who; a refused change a supervisor applied leaves the queue, its values the
 * server's now; one dismissed stays, saying so, until the technician discards it or sends it again.
 * Returns how many were settled.
 */
export async function learnDecisions(ctx: DecisionContext): Promise<number> {
  if (!(await serverNamed(ctx.db, 'conflict-decisions'))) return 0;
  const conflicts = await ctx.db.selectFrom('conflicts').select('server_conflict_id').where('status', '=', 'open').where('server_conflict_id', 'is not', null).execute();
  const refused = await ctx.db.selectFrom('outbox').select(['op_id', 'entity', 'record_id', 'escalation_id']).where('state', '=', 'refused').where('escalation_id', 'is not', null).execute();
  const ids = [...new Set([...conflicts.flatMap((c) => (c.server_conflict_id ? [c.server_conflict_id] : [])), ...refused.flatMap((op) => (op.escalation_id ? [op.escalation_id] : []))])];
  let settled = 0;
  for (const chunk of inChunks(ids, maxConflictIdsPerQuery)) {
    const answers = await ctx.auth.authorized((token) => ctx.api.serverConflicts(token, { ids: chunk.join(','), limit: String(chunk.length) }));
    const decided = answers.filter((c) => c.status === 'resolved');
    if (decided.length === 0) continue;
    await ctx.db.transaction().execute(async (trx) => {
      const nowIso = isoAt(ctx.clock);
      for (const conflict of decided) {
        const by = conflict.resolvedByName ?? 'A supervisor';
        await closeDecidedElsewhere(trx, conflict.id, { decidedBy: by, decidedAt: conflict.resolvedAt }, nowIso);
        for (const op of refused.filter((r) => r.escalation_id === conflict.id)) {
          const row = await trx.selectFrom('records').select('data').where('entity', '=', op.entity).where('id', '=', op.record_id).executeTakeFirst();
          const label = recordLabel(row ? parseData(row.data) : {}, op.record_id);
          if (tookTechnicianValues(conflict)) {
            await withdrawOp(trx, op, nowIso);
            await addNotice(trx, `${by} applied your refused change to ${label}.`, op.entity, op.record_id, nowIso);
          } else {
            const message = `${by} dismissed this change${conflict.resolvedAt ? ` (${conflict.resolvedAt})` : ''}: the server's values stay. Discard it, or change it and send it again.`;
            await trx
              .updateTable('outbox')
              .set({ escalation_id: null, last_error: JSON.stringify({ code: 'VERSION_CONFLICT', message, details: { conflictId: conflict.id, resolvedBy: conflict.resolvedBy } }) })
              .where('op_id', '=', op.op_id)
              .execute();
            await addNotice(trx, `${by} dismissed your refused change to ${label}.`, op.entity, op.record_id, nowIso);
            await refreshSyncState(trx, op.entity, op.record_id);
          }
        }
        settled++;
      }
    });
  }
  return settled;
}
