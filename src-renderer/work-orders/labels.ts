import type { WorkOrderStatus } from '../../src-shared/domain/work-order-status';

export const statusLabel: Record<WorkOrderStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  assigned: 'Assigned',
  'in-progress': 'In progress',
  'on-hold': 'On hold',
  completed: 'Completed',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

/** Who a work order is assigned to, by name from the reference data; null when no one is. */
export function assigneeName(assignedTo: string | null, people: ReadonlyMap<string, { displayName: string }>): string | null {
  if (assignedTo === null) return null;
  return people.get(assignedTo)?.displayName ?? 'someone else';
}
