import { z } from 'zod';

/** What "Clear cached data" did: records dropped, and records kept because changes to them are queued. */
export const cacheClearedSchema = z.strictObject({
  removed: z.number().int().min(0),
  kept: z.number().int().min(0),
});
export type CacheCleared = z.infer<typeof cacheClearedSchema>;
