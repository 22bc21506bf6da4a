import { z } from 'zod';
import { entityNameSchema, entitySchemas, isServerManaged, type EntityName } from '../domain/entity-registry';
import type { Json } from '../domain/json';
import { jsonSchema } from '../domain/json';
import type { JsonRecord } from '../merge/merge-patch';

/**
 * Fieldline's records as WatermelonDB tables (docs/mobile.md): one table per entity, one column per
 * field in snake_case. Times are numbers (milliseconds since the epoch), as WatermelonDB's @date
 * reads them; lists and objects (a work order's tasks, parts used, labor, measurements, tags) are
 * JSON text columns, as its @json reads them. Each pulled record also carries `server_version`.
 */
export const watermelonTables = {
  site: 'sites',
  asset: 'assets',
  part: 'parts',
  user: 'users',
  workOrder: 'work_orders',
  attachment: 'attachments',
} as const satisfies { readonly [E in EntityName]: string };
export type WatermelonTable = (typeof watermelonTables)[EntityName];

const entityOfTable = new Map<string, EntityName>(Object.entries(watermelonTables).map(([entity, table]) => [table, entityNameSchema.parse(entity)]));

export function entityOfWatermelonTable(table: string): EntityName | null {
  return entityOfTable.get(table) ?? null;
}

const dateFields = new Set(['createdAt', 'updatedAt', 'scheduledStart', 'scheduledEnd', 'actualStart', 'actualEnd', 'capturedAt']);
const jsonFields: { readonly [E in EntityName]: ReadonlySet<string> } = {
  site: new Set(),
  asset: new Set(['location']),
  part: new Set(),
  user: new Set(['siteIds']),
  workOrder: new Set(['tasks', 'partsRequired', 'partsUsed', 'laborRecords', 'measurements', 'tags', 'categories']),
  attachment: new Set(['location']),
};

export function columnOf(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** The fields of an entity and their columns (the id is WatermelonDB's own `id`). */
export function watermelonColumns(entity: EntityName): { field: string; column: string }[] {
  return Object.keys(entitySchemas[entity].shape)
    .filter((field) => field !== 'id')
    .map((field) => ({ field, column: columnOf(field) }));
}

export type RawValue = string | number | boolean | null;
export type RawRecord = { id: string } & { [column: string]: RawValue };

/** A record as a WatermelonDB raw record. */
export function toRaw(entity: EntityName, data: JsonRecord, serverVersion: number): RawRecord {
  if (typeof data.id !== 'string') throw new Error(`a ${entity} record without an id`);
  const raw: RawRecord = { id: data.id, server_version: serverVersion };
  for (const { field, column } of watermelonColumns(entity)) {
    const value = data[field] ?? null;
    if (dateFields.has(field)) raw[column] = typeof value === 'string' ? Date.parse(value) : null;
    else if (jsonFields[entity].has(field)) raw[column] = value === null ? null : JSON.stringify(value);
    else raw[column] = value === null ? null : typeof value === 'object' ? JSON.stringify(value) : value;
  }
  return raw;
}

const rawValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * A field's value from its column, or why it cannot be one: an unknown column, a JSON column that
 * is not JSON, a time that is not a number.
 */
export function fieldFromColumn(entity: EntityName, column: string, raw: unknown): { field: string; value: Json } | { error: string } {
  const match = watermelonColumns(entity).find((c) => c.column === column);
  if (!match) return { error: `${watermelonTables[entity]} has no column ${column}` };
  const value = rawValueSchema.safeParse(raw);
  if (!value.success) return { error: `${column}: expected text, a number, true, false or null` };
  const { field } = match;
  if (dateFields.has(field)) {
    if (value.data === null) return { field, value: null };
    if (typeof value.data !== 'number' || !Number.isFinite(value.data)) return { error: `${column}: expected a time in milliseconds` };
    return { field, value: new Date(value.data).toISOString() };
  }
  if (jsonFields[entity].has(field)) {
    if (value.data === null) return { field, value: null };
    if (typeof value.data !== 'string') return { error: `${column}: expected JSON text` };
    try {
      const parsed = jsonSchema.safeParse(JSON.parse(value.data));
      return parsed.success ? { field, value: parsed.data } : { error: `${column}: ${parsed.error.message}` };
    } catch {
      return { error: `${column}: not JSON` };
    }
  }
  return { field, value: value.data };
}

/** The columns a device may send for an entity: every field's but the server's own (number, created by, …). */
export function deviceColumns(entity: EntityName): string[] {
  return watermelonColumns(entity)
    .filter(({ field }) => !isServerManaged(entity, field))
    .map(({ column }) => column);
}

const numberFields = new Set(['quantityAvailable', 'size']);
const booleanFields = new Set(['uploaded']);

/** The app schema a WatermelonDB app declares for Fieldline's tables (appSchema/tableSchema's input; docs/mobile.md). */
export function watermelonSchemaTables(): { name: string; columns: { name: string; type: 'string' | 'number' | 'boolean'; isOptional: boolean }[] }[] {
  return entityNameSchema.options.map((entity) => {
    return {
      name: watermelonTables[entity],
      columns: [
        { name: 'server_version', type: 'number' as const, isOptional: true },
        ...watermelonColumns(entity).map(({ field, column }) => ({
          name: column,
          type: dateFields.has(field) || numberFields.has(field) ? ('number' as const) : booleanFields.has(field) ? ('boolean' as const) : ('string' as const),
          // WatermelonDB keeps created_at and updated_at itself, as numbers it always has.
          isOptional: column !== 'created_at' && column !== 'updated_at',
        })),
      ],
    };
  });
}
