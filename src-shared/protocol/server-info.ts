import { z } from 'zod';

/**
 * Every sync response names the server database and its newest change sequence, so a device can
 * tell a different server at the same URL (another id) or one restored from an older backup (same
 * id, head behind what the device has already seen).
 */
export const serverInfoSchema = z.object({
  id: z.string().min(1),
  head: z.number().int().min(0),
  /**
   * Additions to the protocol this server understands (serverFeatureSchema): a device uses one only
   * once its server has named it, so a device updated before its server keeps working. Names this
   * device does not know come from a newer server and are ignored.
   */
  features: z.array(z.string().max(64)).max(64).optional(),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;

/**
 * as-sent-answers: push requests may ask for `answers: "as-sent"` (protocol/push.ts).
 * conflict-decisions: refused changes come back with an `escalation`, and `GET /api/v1/conflicts?ids=`
 * tells a device what became of the conflicts and escalations it holds.
 * history-check: push requests may carry the device's `cursor`, refused when the server's history
 * no longer holds it; a reset pull says why (`resetReason`).
 */
export const serverFeatureSchema = z.enum(['as-sent-answers', 'conflict-decisions', 'history-check']);
export type ServerFeature = z.infer<typeof serverFeatureSchema>;
