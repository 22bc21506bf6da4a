import type { EntityName } from '../../src-shared/domain/entity-registry';
import type { Json } from '../../src-shared/domain/json';
import { naturalKeyOf } from '../../src-shared/domain/natural-keys';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import { recordDataSchema } from '../../src-shared/protocol/push';
import type { RecordsTable } from '../db/schema';

/** A record as the sync code works on it: parsed data plus version and tombstone flag. */
export interface RecordState {
  entity: EntityName;
  id: string;
  version: number;
  data: JsonRecord;
  deleted: boolean;
  createdAt: string;
  updatedAt: string;
}

export type ScopeColumns = Pick<
  RecordsTable,
  'site_id' | 'assigned_to' | 'created_by' | 'status' | 'asset_id' | 'work_order_id' | 'natural_key'
>;

/**
 * The fields of a record that its scope columns (scopeColumnsOf), its natural key (naturalKeyOf) and
 * write access to it (canWrite) are read from. An edit of other fields leaves all three as they
 * were, which is what lets the server apply it in place (unit-of-work.ts). An attachment's scope
 * comes from its work order, so it has no such list and is never edited in place.
 */
export const scopeFieldsOf: { readonly [E in Exclude<EntityName, 'attachment'>]: readonly string[] } = {
  workOrder: ['siteId', 'assignedTo', 'createdBy', 'status', 'assetId', 'type', 'title'],
  asset: ['siteId', 'tag'],
  part: ['siteId', 'partNumber'],
  user: ['siteIds', 'username'],
  site: ['code'],
};

const str = (value: Json | undefined): string | null => (typeof value === 'string' ? value : null);

export function stateFromRow(row: RecordsTable, entity: EntityName): RecordState {
  return {
    entity,
    id: row.id,
    version: row.version,
    data: recordDataSchema.parse(JSON.parse(row.data)),
    deleted: row.deleted === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The columns scope and dedup query, taken from the record; an attachment inherits its work
 * order's, so it follows the work order into and out of a device's scope.
 */
export function scopeColumnsOf(state: RecordState, parentWorkOrder: RecordState | null): ScopeColumns {
  const d = state.data;
  const none: ScopeColumns = {
    site_id: null,
    assigned_to: null,
    created_by: null,
    status: null,
    asset_id: null,
    work_order_id: null,
    natural_key: state.deleted ? null : naturalKeyOf(state.entity, d),
  };
  switch (state.entity) {
    case 'workOrder':
      return {
        ...none,
        site_id: str(d.siteId),
        assigned_to: str(d.assignedTo),
        created_by: str(d.createdBy),
        status: str(d.status),
        asset_id: str(d.assetId),
      };
    case 'asset':
    case 'part':
      return { ...none, site_id: str(d.siteId) };
    case 'user': {
      const sites = Array.isArray(d.siteIds) ? d.siteIds : [];
      return { ...none, site_id: str(sites[0]) };
    }
    case 'attachment': {
      const wo = parentWorkOrder?.data;
      return {
        ...none,
        work_order_id: str(d.workOrderId),
        site_id: str(wo?.siteId),
        assigned_to: str(wo?.assignedTo),
        created_by: str(wo?.createdBy),
        status: str(wo?.status),
      };
    }
    case 'site':
      return none;
  }
}
