import { z } from 'zod';
import { errorEnvelopeSchema } from '../protocol/errors';

/** What the status badge shows (docs/keeping-work-safe.md); the UI renders it, never computes it. */
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

/**
 * Seconds left at the rate so far, once there is a rate to go by (a tenth done, or five seconds
 * in); null before that, rather than a wild guess.
 */
export function secondsLeft(progress: { done: number; total: number }, elapsedMs: number): number | null {
  if (progress.total <= 0 || progress.done <= 0 || progress.done >= progress.total) return null;
  if (progress.done < progress.total / 10 && elapsedMs < 5000) return null;
  return Math.ceil(((progress.total - progress.done) * elapsedMs) / progress.done / 1000);
}
