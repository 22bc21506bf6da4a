import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isOverdue, workOrderStatuses, type WorkOrderStatus } from '../../src-shared/domain/work-order-status';
import { completionGaps } from '../../src-shared/domain/close-out';

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

describe('what a work order lacks when it is completed', () => {
  const task = (title: string, done: boolean) => ({ id: title, title, done, doneAt: null, doneBy: null });
  it('names every task not done, and missing notes and labor; nothing when all is there', () => {
    expect(completionGaps({ tasks: [task('Isolate', true), task('Replace seal', false), task('Test run', false)], completionNotes: null, laborRecords: [] })).toEqual([
      'Task not done: Replace seal',
      'Task not done: Test run',
      'No completion notes',
      'No labor recorded',
    ]);
    expect(completionGaps({ tasks: [task('Isolate', true)], completionNotes: 'done', laborRecords: [{ id: 'l', userId: '01a24b60-4ac4-7645-b2a1-fa320dc391ce', start: '2026-11-02T08:00:00.000Z', end: null, minutes: 5, note: '' }] })).toEqual([]);
  });

  it('lists exactly the tasks not done (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.boolean()), { maxLength: 8 }), (tasks) => {
        const gaps = completionGaps({ tasks: tasks.map(([title, done]) => task(title, done)), completionNotes: 'x', laborRecords: [{ id: 'l', userId: '01a24b60-4ac4-7645-b2a1-fa320dc391ce', start: '2026-11-02T08:00:00.000Z', end: null, minutes: 5, note: '' }] });
        expect(gaps).toEqual(tasks.filter(([, done]) => !done).map(([title]) => `Task not done: ${title}`));
      }),
    );
  });
});
