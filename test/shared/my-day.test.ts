import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayGroupOf, dayGroups, groupMyDay } from '../../src-shared/domain/my-day';
import { unfinishedStatuses } from '../../src-shared/domain/work-order-status';

const now = Date.parse('2026-12-06T10:00:00Z');
const endOfToday = Date.parse('2026-12-06T23:59:59.999Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('my day', () => {
  it('puts late work first, then today, then later, then undated', () => {
    const wo = (scheduledEnd: string | null) => ({ status: 'assigned' as const, scheduledEnd });
    expect(dayGroupOf(wo(iso(now - 1)), now, endOfToday)).toBe('overdue');
    expect(dayGroupOf(wo(iso(now + 3600_000)), now, endOfToday)).toBe('today');
    expect(dayGroupOf(wo(iso(endOfToday + 1)), now, endOfToday)).toBe('upcoming');
    expect(dayGroupOf(wo(null), now, endOfToday)).toBe('unscheduled');
  });

  it('every work order lands in exactly one group, groups in day order, each by due time', () => {
    const workOrder = fc.record({
      status: fc.constantFrom(...unfinishedStatuses),
      scheduledEnd: fc.option(fc.integer({ min: now - 5 * 86_400_000, max: now + 5 * 86_400_000 }).map(iso), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(workOrder, { maxLength: 30 }), (list) => {
        const groups = groupMyDay(list, now, endOfToday);
        expect(groups.flatMap((g) => g.items).length).toBe(list.length);
        expect(groups.map((g) => dayGroups.indexOf(g.group))).toEqual([...groups.map((g) => dayGroups.indexOf(g.group))].sort((a, b) => a - b));
        const flat = groups.flatMap((g) => g.items.map((i) => (i.scheduledEnd === null ? Infinity : Date.parse(i.scheduledEnd))));
        expect(flat).toEqual([...flat].sort((a, b) => a - b));
        for (const g of groups) for (const item of g.items) expect(dayGroupOf(item, now, endOfToday)).toBe(g.group);
      }),
    );
  });
});
