import { CompiledQuery, sql } from 'kysely';
import { pulledData, type PulledChange } from '../../../src-shared/protocol/pull-lines';
import { idsByEntity, idsPerStatement, inChunks, rowsPerInsert } from '../../../src-shared/sqlite/statement-chunks';
import { recordKey } from '../../../src-shared/domain/ids';
import type { ClientTrx } from '../store/client-schema';
import { listColumns, sameListColumns, type ListColumns } from '../store/list-columns';
import { removeAttachmentsOf } from '../local-data/record-removal';

/* Pulled records with nothing pending on this device: written as the server sent them. */

interface StoredRow {
  columns: ListColumns;
  version: number;
  /** Synced with nothing kept beside it: the row is exactly the server's state at its version. */
  clean: boolean;
}

/** What is stored of these records, by entity/id (absent: not on the device). */
async function storedRows(trx: ClientTrx, records: readonly { entity: string; id: string }[]): Promise<Map<string, StoredRow>> {
  const stored = new Map<string, StoredRow>();
  for (const [entity, ids] of idsByEntity(records)) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      const found = await trx
        .selectFrom('records')
        .select(['id', 'version', 'site_id', 'status', 'priority', 'assigned_to', 'scheduled_end', 'work_order_id', 'search_text'])
        .select(sql<number>`sync_state = 'synced' and server_data is null`.as('clean'))
        .where('entity', '=', entity)
        .where('id', 'in', chunk)
        .execute();
      for (const { id, version, clean, ...columns } of found) stored.set(recordKey(entity, id), { columns, version, clean: clean === 1 });
    }
  }
  return stored;
}

const pulledRecordsUpsertText = new Map<number, string>();

/**
 * The upsert of `count` pulled records, as SQL text made once per count. Building it with Kysely's
 * query builder, 12 values a row and 5000 rows a page, was a visible share of a large first sync
 * (bench figure 1); the text, made once, is also the statement cache's key.
 * Never over a newer version; the list columns are assigned, so the upsert of a record whose
 * columns changed keeps its index entries right.
 */
function pulledRecordsUpsert(count: number): string {
  const known = pulledRecordsUpsertText.get(count);
  if (known !== undefined) return known;
  const row = `(?, ?, ?, ?, null, 'synced', ?, ?, ?, ?, ?, ?, ?, 0, ?)`;
  const text = `insert into records (entity, id, version, data, server_data, sync_state, site_id, status, priority, assigned_to, scheduled_end, work_order_id, search_text, pending_delete, updated_at)
    values ${Array.from({ length: count }, () => row).join(', ')}
    on conflict (entity, id) do update set version = excluded.version, data = excluded.data, server_data = null, sync_state = 'synced',
      site_id = excluded.site_id, status = excluded.status, priority = excluded.priority, assigned_to = excluded.assigned_to,
      scheduled_end = excluded.scheduled_end, work_order_id = excluded.work_order_id, search_text = excluded.search_text, updated_at = excluded.updated_at
    where records.version <= excluded.version`;
  pulledRecordsUpsertText.set(count, text);
  return text;
}

/**
 * Changes to records with nothing pending here: upserts in multi-row statements (never over a newer
 * version), deletes and removals by id. A record whose list columns stay as they are (a push
 * acknowledged, a note edited elsewhere) gets an update that leaves them unassigned: assigning an
 * indexed column rewrites its index entries even to the same value, which made settling 1000
 * acknowledged ops 2.7 times as costly.
 */
export async function applyPlainChanges(
  trx: ClientTrx,
  changes: readonly PulledChange[],
  nowIso: string,
  /** A full sync (no cursor): its records are new here, so what is stored is not read first; the upsert is right either way. */
  options: { fullSync?: boolean } = {},
): Promise<void> {
  const upserts = changes.filter((c) => c.op === 'upsert');
  const stored = options.fullSync ? new Map<string, StoredRow>() : await storedRows(trx, upserts);
  // A server state this device holds already is not written again (nor turned into text first):
  // above all the records it just pushed, which the next pull brings back (rewriting 10k of them
  // cost ~1 s of encrypted writes).
  const fresh = upserts
    .filter((c) => {
      const before = stored.get(recordKey(c.entity, c.id));
      return !(before?.clean && before.version === c.version);
    })
    .map((c) => {
      const data = pulledData(c) ?? {};
      return {
        entity: c.entity,
        id: c.id,
        version: c.version,
        // Stored as the server sent it when it came as lines: serialising it again was a third of
        // decoding a page.
        data: c.dataText ?? JSON.stringify(data),
        ...listColumns(c.entity, data),
      };
    });
  const kept = fresh.filter((r) => {
    const before = stored.get(recordKey(r.entity, r.id));
    return before !== undefined && sameListColumns(before.columns, r);
  });
  const keptKeys = new Set(kept.map((r) => recordKey(r.entity, r.id)));
  // One statement per chunk (UPDATE … FROM a VALUES list) rather than one per record.
  for (const chunk of inChunks(kept, rowsPerInsert)) {
    const values = sql.join(chunk.map((r) => sql`(${r.entity}, ${r.id}, ${r.version}, ${r.data})`));
    await sql`with settled(entity, id, version, data) as (values ${values})
      update records set version = settled.version, data = settled.data, server_data = null, sync_state = 'synced', updated_at = ${nowIso}
      from settled where records.entity = settled.entity and records.id = settled.id and records.version <= settled.version`.execute(trx);
  }
  for (const chunk of inChunks(fresh.filter((r) => !keptKeys.has(recordKey(r.entity, r.id))), rowsPerInsert)) {
    const parameters = chunk.flatMap((r) => [r.entity, r.id, r.version, r.data, r.site_id, r.status, r.priority, r.assigned_to, r.scheduled_end, r.work_order_id, r.search_text, nowIso]);
    await trx.executeQuery(CompiledQuery.raw(pulledRecordsUpsert(chunk.length), parameters));
  }
  const gone = changes.filter((c) => c.op !== 'upsert');
  for (const chunk of inChunks(gone, rowsPerInsert)) {
    await trx.deleteFrom('records').where((eb) => eb.or(chunk.map((c) => eb.and([eb('entity', '=', c.entity), eb('id', '=', c.id)])))).execute();
  }
  // A work order that leaves takes its attachments along, as removeLocally does.
  await removeAttachmentsOf(trx, gone.filter((c) => c.entity === 'workOrder').map((c) => c.id));
}
