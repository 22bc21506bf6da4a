import type { EntityName } from '../../../src-shared/domain/entity-registry';
import { jsonSchema, type Json } from '../../../src-shared/domain/json';
import type { JsonRecord } from '../../../src-shared/merge/merge-patch';
import { recordDataSchema } from '../../../src-shared/protocol/push';
import type { LocalRecordsTable } from './client-schema';
import { workOrderSearchText } from '../../../src-shared/domain/work-order-search';
import type { FieldValues } from '../../../src-shared/sync/coalesce';
import { serverStateFromView } from '../../../src-shared/sync/server-copy';

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

/** The key of a record in maps: entity and id. */
export const recordKey = (entity: string, id: string) => `${entity}/${id}`;

/** A JSON value stored as text (a base, a field's value). */
export function parseJson(text: string): Json {
  return jsonSchema.parse(JSON.parse(text));
}

export function parseData(text: string): JsonRecord {
  return recordDataSchema.parse(JSON.parse(text));
}

/**
 * The last server state of a record: `server_data` where one is kept, else the local view with the
 * bases of its pending fields put back (serverStateFromView; with nothing pending, `data` itself).
 * Null for a record created here and not yet acknowledged (version 0).
 * `parsedData`: `data` already parsed by the caller, read, never changed.
 */
export function serverStateOf(
  row: { version: number; data: string; server_data: string | null },
  bases: FieldValues,
  parsedData?: JsonRecord,
): JsonRecord | null {
  if (row.server_data !== null) return parseData(row.server_data);
  return row.version > 0 ? serverStateFromView(parsedData ?? parseData(row.data), bases) : null;
}

/** What a person recognises a record by in the queue and conflict views: its number, else its title (a file's name, a user's name). */
export function recordLabel(data: JsonRecord, id: string): string {
  if (typeof data.number === 'string') return data.number;
  if (typeof data.tag === 'string' && typeof data.name === 'string') return `${data.tag} ${data.name}`;
  if (typeof data.title === 'string') return data.title;
  if (typeof data.fileName === 'string') return data.fileName;
  if (typeof data.displayName === 'string') return data.displayName;
  return id.slice(-8);
}
