import { maxPushOps } from '../../../src-shared/protocol/push';
import type { ClientDb } from '../store/client-schema';
import { toPushOps } from '../sync/push-cycle';
import type { SyncApi } from '../sync/sync-api';

/** The ops a revoked laptop still holds that the server has not got: refused ones are kept there already. */
const unsentStates = ['pending', 'in-flight', 'failed', 'conflict'] as const;

/**
 * IT revoked this laptop (lost or stolen): before its data goes, its unsent work goes to the server,
 * where nothing of it is applied and each change waits for the site's supervisors (a `refused`
 * conflict they apply or dismiss). A failure throws; the caller (client-core.ts) keeps the data
 * unless the refusal is final: the laptop is no longer trusted, but its work is not dropped on a hiccup.
 */
export async function handOverUnsentWork(db: ClientDb, api: SyncApi, deviceId: string, refreshToken: string | null): Promise<{ handedOver: number; kept: number }> {
  const ops = await db.selectFrom('outbox').selectAll().where('state', 'in', unsentStates).orderBy('seq').execute();
  if (ops.length === 0 || refreshToken === null) return { handedOver: 0, kept: ops.length };
  let handedOver = 0;
  for (let start = 0; start < ops.length; start += maxPushOps) {
    const batch = ops.slice(start, start + maxPushOps);
    const answer = await api.handOver({ refreshToken, push: { deviceId, ops: await toPushOps({ db }, batch), answers: 'as-sent' } });
    handedOver += answer.results.filter((result) => result.escalation !== undefined).length;
  }
  return { handedOver, kept: ops.length - handedOver };
}
