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
