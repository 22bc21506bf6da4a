import type { ActiveSession } from '../../src-main/core/session/client-core';
import { defaultPushBatch, type PushContext } from '../../src-main/core/sync/push-cycle';
import { defaultPageSize, type PullContext } from '../../src-main/core/sync/pull-cycle';
import type { Clock } from '../../src-shared/sync/clock';

/** A push cycle's context on a signed-in device, for tests that push without the pull that follows in a sync. */
export function pushContextOf(session: ActiveSession, clock: Clock): PushContext {
  return { db: session.store.db, api: session.api, auth: session.auth, clock, random: () => 0.5, deviceId: 'test-device', ...defaultPushBatch };
}

/** A pull cycle's context on a signed-in device, keeping everything in scope offline. */
export function pullContextOf(session: ActiveSession, clock: Clock, pageSize = defaultPageSize): PullContext {
  return { db: session.store.db, api: session.api, auth: session.auth, clock, pageSize, narrowing: () => ({ sites: [], workOrders: [] }) };
}
