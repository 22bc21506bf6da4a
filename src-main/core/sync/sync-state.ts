import type { Kysely } from 'kysely';
import { serverInfoSchema, type ServerFeature } from '../../../src-shared/protocol/server-info';
import type { ClientDatabase } from '../store/client-schema';

const featuresSchema = serverInfoSchema.shape.features.unwrap();

/**
 * server_features: the server's `features` as of its last pull page (JSON list).
 * selection: what is kept offline as the last full sync saw it; selection_resync: set while the
 * full sync after a change of it runs (selection-resync.ts).
 */
type SyncStateKey = 'cursor' | 'server_id' | 'server_head' | 'server_features' | 'last_sync_at' | 'expiry_run_at' | 'selection' | 'selection_resync';

export async function readSyncState(db: Kysely<ClientDatabase>, key: SyncStateKey): Promise<string | null> {
  const row = await db.selectFrom('sync_state').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

export async function writeSyncState(db: Kysely<ClientDatabase>, key: SyncStateKey, value: string): Promise<void> {
  await db
    .insertInto('sync_state')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Whether the server named this protocol addition on its last pull page (server-info.ts). */
export async function serverNamed(db: Kysely<ClientDatabase>, feature: ServerFeature): Promise<boolean> {
  const stored = await readSyncState(db, 'server_features');
  const features = featuresSchema.safeParse(stored === null ? [] : JSON.parse(stored));
  return features.success && features.data.includes(feature);
}
