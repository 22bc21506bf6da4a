import type { PulledChange } from '../../../src-shared/protocol/pull-lines';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { idsByEntity, idsPerStatement, inChunks, rowsPerInsert } from '../../../src-shared/sqlite/statement-chunks';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import { recordKey } from '../../../src-shared/domain/ids';
import { addNotice } from '../notices/notices';
import { removeAttachmentsOf } from '../local-data/record-removal';
import { readSyncState, writeSyncState } from './sync-state';
import { recordsWithUnsentWork } from '../local-data/unsent-work';

/** What is kept offline: the sites ticked and the work orders pinned (settings keepOffline). */
export interface Selection {
  sites: readonly string[];
  workOrders: readonly string[];
}

const selectionText = (s: Selection) => JSON.stringify({ sites: [...s.sites].sort(), workOrders: [...s.workOrders].sort() });

/**
 * docs/keeping-work-safe.md: every change of what is kept offline (a site ticked or unticked, a work order pinned
 * or unpinned) ends with the laptop holding exactly the server's scope for the new selection,
 * queued changes kept. The change is noticed at the start of a cycle, whoever made it (the user,
 * IT's policy, another window); the pull then runs as a full sync that notes every record it
 * brings, and at its end the records it did not bring leave, except those holding work found only
 * here (unsent-work.ts). Returns whether a resync starts.
 */
export async function noticeSelectionChange(db: ClientDb, selection: Selection): Promise<boolean> {
  const now = selectionText(selection);
  const known = await readSyncState(db, 'selection');
  if (known === now) return false;
  return db.transaction().execute(async (trx) => {
    await writeSyncState(trx, 'selection', now);
    // A device that never synced downloads the selection anyway. One that synced before selections
    // were noted holds the whole scope if it kept nothing apart.
    const resyncing = (await readSyncState(trx, 'selection_resync')) !== null;
    if ((await readSyncState(trx, 'cursor')) === null && !resyncing) return false;
    if (known === null && selection.sites.length === 0 && selection.workOrders.length === 0) return false;
    await trx.deleteFrom('sync_state').where('key', '=', 'cursor').execute();
    await trx.deleteFrom('resync_seen').execute();
    await writeSyncState(trx, 'selection_resync', '1');
    return true;
  });
}

/** During a resync: notes the records a page brought, in the page's transaction. */
export async function noteResyncPage(trx: ClientTrx, changes: readonly PulledChange[]): Promise<void> {
  if ((await readSyncState(trx, 'selection_resync')) === null) return;
  const brought = changes.filter((c) => c.op === 'upsert').map((c) => ({ entity: c.entity, id: c.id }));
  for (const chunk of inChunks(brought, rowsPerInsert)) await trx.insertInto('resync_seen').values(chunk).onConflict((oc) => oc.doNothing()).execute();
}

/**
 * The last page of a resync: what it did not bring leaves, but for records holding unsent work.
 * Returns how many records left, or null when no resync was running.
 */
export async function finishResync(trx: ClientTrx, clock: Clock): Promise<number | null> {
  if ((await readSyncState(trx, 'selection_resync')) === null) return null;
  const seen = new Set((await trx.selectFrom('resync_seen').select(['entity', 'id']).execute()).map((r) => recordKey(r.entity, r.id)));
  const keep = await recordsWithUnsentWork(trx);
  const all = await trx.selectFrom('records').select(['entity', 'id', 'version']).execute();
  const leaving = all.filter((r) => !seen.has(recordKey(r.entity, r.id)) && !keep.has(recordKey(r.entity, r.id)));
  for (const [entity, ids] of idsByEntity(leaving)) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      await trx.deleteFrom('records').where('entity', '=', entity).where('id', 'in', chunk).execute();
      await trx.deleteFrom('bases').where('entity', '=', entity).where('record_id', 'in', chunk).execute();
    }
  }
  // An attachment whose work order left goes with it; one with its file still to upload stayed above.
  await removeAttachmentsOf(trx, leaving.filter((r) => r.entity === 'workOrder').map((r) => r.id));
  await trx.deleteFrom('resync_seen').execute();
  await trx.deleteFrom('sync_state').where('key', '=', 'selection_resync').execute();
  // Records created here are not on the server yet: not bringing them says nothing about the selection.
  const kept = all.filter((r) => r.version > 0 && !seen.has(recordKey(r.entity, r.id)) && keep.has(recordKey(r.entity, r.id))).length;
  if (kept > 0) await addNotice(trx, `${kept} record(s) outside what you keep offline stay on this laptop until their unsynced work is on the server.`, null, null, isoAt(clock));
  return leaving.length;
}
