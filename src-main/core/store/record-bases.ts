import { idsByEntity, idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import type { ClientDb } from './client-schema';
import { parseJson } from './stored-json';
import { recordKey } from '../../../src-shared/domain/ids';

/** A record's bases: the server-acknowledged value of each field with a pending change (docs/architecture.md, The sync model). */
export async function basesFor(db: ClientDb, entity: string, id: string): Promise<FieldValues> {
  const rows = await db.selectFrom('bases').select(['field', 'value']).where('entity', '=', entity).where('record_id', '=', id).execute();
  return Object.fromEntries(rows.map((r) => [r.field, parseJson(r.value)]));
}

/** The bases of many records, by entity/id (records with nothing pending have none). */
export async function basesOfRecords(db: ClientDb, records: readonly { entity: string; id: string }[]): Promise<Map<string, FieldValues>> {
  const bases = new Map<string, FieldValues>();
  // By entity, so each lookup is a search of the bases' key (entity, record_id), never a scan.
  for (const [entity, ids] of idsByEntity(records)) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      for (const b of await db.selectFrom('bases').select(['record_id', 'field', 'value']).where('entity', '=', entity).where('record_id', 'in', chunk).execute()) {
        const key = recordKey(entity, b.record_id);
        const fields = bases.get(key) ?? {};
        fields[b.field] = parseJson(b.value);
        bases.set(key, fields);
      }
    }
  }
  return bases;
}

/** Removes the bases of records whose pending changes are settled. */
export async function deleteBasesOf(db: ClientDb, records: readonly { entity: string; id: string }[]): Promise<void> {
  for (const [entity, ids] of idsByEntity(records)) {
    for (const chunk of inChunks(ids, idsPerStatement)) await db.deleteFrom('bases').where('entity', '=', entity).where('record_id', 'in', chunk).execute();
  }
}
