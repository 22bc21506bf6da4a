import { z } from 'zod';
import { isoDateTimeSchema, recordIdSchema } from '../domain/ids';

/** One version of a record: when, by whom (from which device), and which fields it changed ("*": created or deleted). */
export const historyEntrySchema = z.object({
  version: z.number().int(),
  at: isoDateTimeSchema,
  userId: recordIdSchema.nullable(),
  /** Null for the server's own writes (stock taken, a file arriving). */
  userName: z.string().nullable(),
  deviceName: z.string().nullable(),
  fields: z.array(z.string()),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const recordHistorySchema = z.object({ entries: z.array(historyEntrySchema) });
export type RecordHistory = z.infer<typeof recordHistorySchema>;
