import { z } from 'zod';
import { errorEnvelopeSchema } from '../protocol/errors';

/** What the status badge shows (design.md §7, seed 003 §5.3); the UI renders it, never computes it. */
export const syncStatusSchema = z.object({
  state: z.enum(['idle', 'syncing', 'offline', 'failed', 'signed-out']),
  lastSyncAt: z.iso.datetime().nullable(),
  progress: z.object({ done: z.number().int(), total: z.number().int() }).nullable(),
  queued: z.number().int(),
  failed: z.number().int(),
  conflicts: z.number().int(),
  retryAt: z.iso.datetime().nullable(),
  lastError: errorEnvelopeSchema.nullable(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const recordSyncStateSchema = z.enum(['synced', 'queued', 'syncing', 'conflict', 'failed']);
export type RecordSyncState = z.infer<typeof recordSyncStateSchema>;
