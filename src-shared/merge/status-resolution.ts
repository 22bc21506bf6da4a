import { workOrderStatusSchema, type WorkOrderStatus } from '../domain/work-order-status';
import type { Json } from '../domain/json';

export type StatusOutcome = 'local' | 'server' | 'manual';

const heldByOffice: readonly WorkOrderStatus[] = ['on-hold', 'cancelled'];
const workInProgress: readonly WorkOrderStatus[] = ['open', 'assigned', 'in-progress'];

/**
 * The requirements give two rules for status; this reconciles them: a completion by the technician
 * beats in-progress; on-hold or cancelled by the office against a completion needs a person; in
 * every other disagreement the office's decision stands.
 */
export function resolveStatusConflict(local: Json, server: Json): StatusOutcome {
  const l = workOrderStatusSchema.safeParse(local);
  const s = workOrderStatusSchema.safeParse(server);
  if (!l.success || !s.success) return 'server';
  if (l.data === 'completed' && workInProgress.includes(s.data)) return 'local';
  if (l.data === 'completed' && heldByOffice.includes(s.data)) return 'manual';
  return 'server';
}
