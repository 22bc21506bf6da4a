import { v7 as uuidv7 } from 'uuid';
import type { FieldConflict } from '../../../src-shared/merge/merge-patch';
import type { LocalConflictsTable } from '../store/client-schema';

/** A conflict as this device keeps it: found by its own rebase (`local`) or learned from the server. */
export function conflictRow(
  entity: string,
  recordId: string,
  kind: string,
  fields: readonly FieldConflict[],
  status: LocalConflictsTable['status'],
  origin: LocalConflictsTable['origin'],
  serverConflictId: string | null,
  nowIso: string,
): LocalConflictsTable {
  return {
    id: uuidv7(),
    entity,
    record_id: recordId,
    kind,
    fields: JSON.stringify(fields),
    status,
    origin,
    server_conflict_id: serverConflictId,
    created_at: nowIso,
    resolved_at: null,
    resolution: null,
  };
}
