import { z } from 'zod';
import { serverInfoSchema } from './server-info';

/** Messages on GET /api/v1/sync/events (WebSocket): a nudge to pull, never data itself. */
export const serverEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), server: serverInfoSchema }),
  z.object({ type: z.literal('changed'), head: z.number().int().min(0) }),
]);
export type ServerEvent = z.infer<typeof serverEventSchema>;
