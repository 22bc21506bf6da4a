import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';

/**
 * Every record's id is made on the device that creates it (docs/architecture.md, The sync model): a UUIDv7 on the laptop,
 * or the 16-character id a WatermelonDB app makes (docs/mobile.md).
 */
export const recordIdSchema = z.union([z.uuid(), z.string().regex(/^[A-Za-z0-9]{16}$/, 'expected a UUID or a 16-character WatermelonDB id')]);
export type RecordId = z.infer<typeof recordIdSchema>;

export function newRecordId(): RecordId {
  return uuidv7();
}

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

/** The key of a record in maps and sets: entity and id. */
export const recordKey = (entity: string, id: string): string => `${entity}/${id}`;
