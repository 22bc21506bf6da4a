import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isOverdue, workOrderStatuses, type WorkOrderStatus } from '../../src-shared/domain/work-order-status';

const now = Date.parse('2026-12-04T12:00:00.000Z');

describe('overdue work orders', () => {
  it('flags unfinished work past its scheduled end, and nothing else', () => {
    expect(isOverdue({ status: 'assigned', scheduledEnd: '2026-12-04T11:59:59.000Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'on-hold', scheduledEnd: '2026-11-01T00:00:00.000Z' }, now)).toBe(true);
    expect(isOverdue({ status: 'assigned', scheduledEnd: '2026-12-04T12:00:00.000Z' }, now)).toBe(false);
    expect(isOverdue({ status: 'in-progress', scheduledEnd: null }, now)).toBe(false);
    for (const status of ['completed', 'closed', 'cancelled'] as const) expect(isOverdue({ status, scheduledEnd: '2026-11-01T00:00:00.000Z' }, now)).toBe(false);
  });

  it('a work order overdue now stays overdue later until its work is finished', () => {
    fc.assert(
      fc.property(fc.constantFrom<WorkOrderStatus>(...workOrderStatuses), fc.integer({ min: -1e10, max: 1e10 }), fc.nat(1e10), (status, offset, later) => {
        const workOrder = { status, scheduledEnd: new Date(now + offset).toISOString() };
        if (isOverdue(workOrder, now)) expect(isOverdue(workOrder, now + later)).toBe(true);
        expect(isOverdue(workOrder, now)).toBe(offset < 0 && !['completed', 'closed', 'cancelled'].includes(status));
      }),
    );
  });
});
