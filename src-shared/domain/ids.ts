import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';

/** Every record's id is a UUIDv7 made on the device that creates it (design.md §1). */
export const recordIdSchema = z.uuid();
export type RecordId = z.infer<typeof recordIdSchema>;

export function newRecordId(): RecordId {
  return uuidv7();
}

export const isoDateTimeSchema = z.iso.datetime({ offset: true });
