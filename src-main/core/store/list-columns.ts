import type { EntityName } from '../../../src-shared/domain/entity-registry';
import type { Json } from '../../../src-shared/domain/json';
import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import { workOrderSearchText } from '../../../src-shared/domain/work-order-search';
import type { LocalRecordsTable } from './client-schema';

/*
 * The list columns: the few fields of a record the store keeps beside its JSON, indexed, so the
 * lists, filters and search read no JSON.
 */

const str = (value: Json | undefined): string | null => (typeof value === 'string' ? value : null);

/** Every field of a record that listColumns reads: a change of any other leaves the list columns as they are. */
export const listColumnFields: ReadonlySet<string> = new Set(['siteId', 'status', 'priority', 'assignedTo', 'scheduledEnd', 'workOrderId', 'number', 'title', 'description', 'tag', 'name']);

/** The list columns of a record, taken from its local view (from listColumnFields alone). */
export function listColumns(entity: EntityName, data: JsonRecord): Pick<LocalRecordsTable, 'site_id' | 'status' | 'priority' | 'assigned_to' | 'scheduled_end' | 'work_order_id' | 'search_text'> {
  const search =
    entity === 'workOrder'
      ? workOrderSearchText(data)
      : entity === 'asset'
        ? [data.tag, data.name].filter((v) => typeof v === 'string').join(' ').toLowerCase()
        : null;
  return {
    site_id: str(data.siteId),
    status: str(data.status),
    priority: str(data.priority),
    assigned_to: str(data.assignedTo),
    scheduled_end: str(data.scheduledEnd),
    work_order_id: str(data.workOrderId),
    search_text: search,
  };
}

export type ListColumns = ReturnType<typeof listColumns>;
const listColumnNames = ['site_id', 'status', 'priority', 'assigned_to', 'scheduled_end', 'work_order_id', 'search_text'] as const satisfies readonly (keyof ListColumns)[];

/**
 * The list columns that differ from a stored row's: an UPDATE that assigns an indexed column
 * rewrites its index entries even when the value is the same, and on 16 KB encrypted pages each
 * rewritten entry costs a page written at commit. A measurement touches none of them.
 */
export function changedListColumns(entity: EntityName, data: JsonRecord, stored: ListColumns): Partial<ListColumns> {
  const next = listColumns(entity, data);
  const changed: Partial<ListColumns> = {};
  for (const column of listColumnNames) if (next[column] !== stored[column]) changed[column] = next[column];
  return changed;
}

/** Whether two rows hold the same list columns (a write that keeps them need not assign them). */
export function sameListColumns(a: ListColumns, b: ListColumns): boolean {
  return listColumnNames.every((column) => a[column] === b[column]);
}
