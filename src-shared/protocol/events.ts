import { z } from 'zod';
import { serverInfoSchema } from './server-info';

/**
 * Messages on GET /api/v1/sync/events (WebSocket): a nudge, never data itself. changed: something in
 * the device's scope committed, pull. conflicts: a conflict at the user's sites (a supervisor) or of
 * their own was recorded or decided; the conflict log and the device's decisions are worth a look.
 */
export const serverEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), server: serverInfoSchema }),
  z.object({ type: z.literal('changed'), head: z.number().int().min(0) }),
  z.object({ type: z.literal('conflicts') }),
]);
export type ServerEvent = z.infer<typeof serverEventSchema>;
