import type { DeviceSummary } from '../../src-shared/protocol/admin';
import { FieldlineError } from '../../src-shared/protocol/errors';
import type { DevicesTable, ServerDb } from '../db/schema';
import type { SignInRevoker } from '../auth/tokens';
import { signInEndedError } from '../auth/tokens';
import { actorName, audit, type Actor } from './audit-log';

/**
 * The laptops (and phones) that signed in, by the id each made for itself and the name it gave (its
 * machine name; IT may change it). A revoked device signs in no more; if it reaches the server
 * again it hands over its unsent work (push-service.ts, handOver) and wipes itself.
 */

/** At sign-in: a revoked device is refused (and told to wipe); any other is recorded as seen, under its user. */
export async function deviceSignsIn(db: ServerDb, device: { id: string; name: string }, userId: string, nowIso: string): Promise<void> {
  const known = await db.selectFrom('devices').select(['revoked_at']).where('device_id', '=', device.id).executeTakeFirst();
  if (known?.revoked_at) throw signInEndedError('device-revoked');
  if (known) {
    await db.updateTable('devices').set({ user_id: userId, last_seen_at: nowIso }).where('device_id', '=', device.id).execute();
    return;
  }
  await db
    .insertInto('devices')
    .values({ device_id: device.id, name: device.name, user_id: userId, first_seen_at: nowIso, last_seen_at: nowIso, revoked_at: null, revoked_by: null, handed_over_at: null })
    .onConflict((oc) => oc.column('device_id').doUpdateSet({ user_id: userId, last_seen_at: nowIso }))
    .execute();
}

export async function listDevices(db: ServerDb): Promise<DeviceSummary[]> {
  const rows = await db
    .selectFrom('devices')
    .leftJoin('credentials', 'credentials.user_id', 'devices.user_id')
    .selectAll('devices')
    .select('credentials.username')
    .orderBy('devices.last_seen_at', 'desc')
    .execute();
  return rows.map((row) => summaryOf(row, row.username));
}

export async function renameDevice(db: ServerDb, deviceId: string, name: string, actor: Actor, nowIso: string): Promise<DeviceSummary> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('devices').set({ name }).where('device_id', '=', deviceId).returningAll().executeTakeFirst();
    if (!updated) throw unknownDevice(deviceId);
    await audit(trx, nowIso, actor, 'device.rename', deviceId, { name });
    return summaryOf(updated, null);
  });
}

/**
 * A lost or stolen laptop: every sign-in on it ends now (on the other instances within a minute),
 * and from then on whatever it presents is answered DEVICE_REVOKED.
 */
export async function revokeDevice(db: ServerDb, tokens: SignInRevoker, deviceId: string, actor: Actor, nowIso: string): Promise<DeviceSummary> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('devices')
      .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(nowIso)), revoked_by: actorName(actor) }))
      .where('device_id', '=', deviceId)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw unknownDevice(deviceId);
    await tokens.revokeSignIns(trx, { deviceId }, 'device-revoked');
    await audit(trx, nowIso, actor, 'device.revoke', deviceId, { name: updated.name });
    return summaryOf(updated, null);
  });
}

function unknownDevice(deviceId: string): FieldlineError {
  return new FieldlineError('NOT_FOUND', `No device ${deviceId} has signed in here: list them with "devices"`);
}

function summaryOf(row: DevicesTable, userName: string | null): DeviceSummary {
  return {
    deviceId: row.device_id,
    name: row.name,
    userId: row.user_id,
    userName,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    handedOverAt: row.handed_over_at,
  };
}
