import { z } from 'zod';

/**
 * Every sync response names the server database and its newest change sequence, so a device can
 * tell a different server at the same URL (another id) or one restored from an older backup (same
 * id, head behind what the device has already seen).
 */
export const serverInfoSchema = z.object({
  id: z.string().min(1),
  head: z.number().int().min(0),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;
