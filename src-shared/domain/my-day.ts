import { isOverdue, type WorkOrderStatus } from './work-order-status';

/** Where a technician's open work order falls in their day: what to do first. */
export const dayGroups = ['overdue', 'today', 'upcoming', 'unscheduled'] as const;
export type DayGroup = (typeof dayGroups)[number];

export const dayGroupLabel: { readonly [G in DayGroup]: string } = {
  overdue: 'Overdue',
  today: 'Due today',
  upcoming: 'Upcoming',
  unscheduled: 'No due date',
};

/**
 * The group of a work order, by its scheduled end: before now and unfinished, overdue; by the end
 * of today (the laptop's day, `endOfToday`), today; later, upcoming; without one, unscheduled.
 */
export function dayGroupOf(workOrder: { status: WorkOrderStatus; scheduledEnd: string | null }, now: number, endOfToday: number): DayGroup {
  if (workOrder.scheduledEnd === null) return 'unscheduled';
  if (isOverdue(workOrder, now)) return 'overdue';
  return Date.parse(workOrder.scheduledEnd) <= endOfToday ? 'today' : 'upcoming';
}

/** Work orders in the order of a technician's day, grouped: overdue, today, upcoming, unscheduled; each by due time. */
export function groupMyDay<W extends { status: WorkOrderStatus; scheduledEnd: string | null }>(workOrders: readonly W[], now: number, endOfToday: number): { group: DayGroup; items: W[] }[] {
  const byDue = [...workOrders].sort((a, b) => (a.scheduledEnd ?? '\uffff').localeCompare(b.scheduledEnd ?? '\uffff'));
  return dayGroups.map((group) => ({ group, items: byDue.filter((wo) => dayGroupOf(wo, now, endOfToday) === group) })).filter((g) => g.items.length > 0);
}
