import { z } from 'zod';
import { text } from '../domain/text';
import { recordIdSchema } from '../domain/ids';
import { entityNameSchema } from '../domain/entity-registry';
import { recordDataSchema } from './push';
import { serverInfoSchema } from './server-info';

export const maxPullPageSize = 5000;
export const defaultPullPageSize = 1000;

const idList = z
  .string()
  .max(40_000)
  .transform((s) => s.split(',').filter((part) => part.length > 0))
  .pipe(z.array(recordIdSchema).max(1000));

export const pullQuerySchema = z.strictObject({
  /** Opaque; absent for a first (full) sync. */
  cursor: text().max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(maxPullPageSize).default(defaultPullPageSize),
  /** Narrow the device's scope to these sites and/or work orders (comma separated ids). */
  sites: idList.optional(),
  workOrders: idList.optional(),
});
export type PullQuery = z.infer<typeof pullQuerySchema>;

/** upsert: take `data` at `version`; delete: tombstone; remove: left this device's scope, drop it locally. */
export const changeOpSchema = z.enum(['upsert', 'delete', 'remove']);
export const changeSchema = z.object({
  entity: entityNameSchema,
  id: recordIdSchema,
  op: changeOpSchema,
  version: z.number().int().min(0),
  data: recordDataSchema.optional(),
});
export type Change = z.infer<typeof changeSchema>;

/**
 * Why a pull answered `reset`: the server no longer holds the history the device saw (restored from
 * a backup: the device sends its acknowledged changes again, docs/protocol.md), the cursor is
 * another server's, or the change log was pruned past it (away longer than the retention).
 */
export const resetReasonSchema = z.enum(['history-diverged', 'other-server', 'expired']);
export type ResetReason = z.infer<typeof resetReasonSchema>;

export const pullResponseSchema = z.object({
  changes: z.array(changeSchema),
  cursor: text(),
  hasMore: z.boolean(),
  /** The cursor is too old (or from another server): drop synced data, keep pending ops, sync in full. */
  reset: z.boolean().optional(),
  /** With `reset`, from servers that name `history-check`. */
  resetReason: resetReasonSchema.optional(),
  /** On the first page of a snapshot (a first sync, a reset): how many records it holds, so the device shows real progress. */
  total: z.number().int().min(0).optional(),
  server: serverInfoSchema,
});
export type PullResponse = z.infer<typeof pullResponseSchema>;
