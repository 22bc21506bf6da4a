import type { User } from '../../src-shared/domain/entities';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import type { RecordState } from './record-state';

/**
 * May this user change this record? Supervisors: anything at their sites. Technicians: work orders
 * assigned to them or created by them, the assets of their sites, attachments of work orders they
 * may change. Reading is wider or narrower per the scope rules, docs/architecture.md; see scope.ts.
 */
export function canWrite(user: User, state: RecordState, parentWorkOrder: RecordState | null): boolean {
  const d = state.data;
  const atMySite = (siteId: unknown) => typeof siteId === 'string' && user.siteIds.includes(siteId);
  switch (state.entity) {
    case 'workOrder':
      if (!atMySite(d.siteId)) return false;
      return overseesSites(user.role) || d.assignedTo === user.id || d.createdBy === user.id;
    case 'asset':
      return atMySite(d.siteId);
    case 'attachment':
      return parentWorkOrder !== null && canWrite(user, parentWorkOrder, null);
    case 'part':
    case 'site':
    case 'user':
      return false;
  }
}
