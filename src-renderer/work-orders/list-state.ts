import { z } from 'zod';
import { workOrderPrioritySchema } from '../../src-shared/domain/entities';
import { workOrderStatusSchema } from '../../src-shared/domain/work-order-status';

/**
 * What the work-order list shows, kept per user on this laptop so it survives opening a work order,
 * a reload and a restart: the tab, the filters and where the list was scrolled to. Only view
 * settings are kept here (localStorage); the work itself is in the encrypted store.
 */
export const listStateSchema = z.object({
  tab: z.enum(['my-day', 'all']),
  search: z.string().max(200),
  status: workOrderStatusSchema.or(z.literal('')),
  siteId: z.string().max(64),
  priority: workOrderPrioritySchema.or(z.literal('')),
  dueBefore: z.string().max(10),
  overdueOnly: z.boolean(),
  /** A user id, 'unassigned', or '' for everyone. */
  assignee: z.string().max(64),
  scrollY: z.number().min(0),
});
export type ListState = z.infer<typeof listStateSchema>;

export function defaultListState(role: 'technician' | 'supervisor' | 'admin'): ListState {
  return { tab: role === 'technician' ? 'my-day' : 'all', search: '', status: '', siteId: '', priority: '', dueBefore: '', overdueOnly: false, assignee: '', scrollY: 0 };
}

const keyOf = (userId: string) => `fieldline.work-order-list.${userId}`;

export function loadListState(userId: string, fallback: ListState): ListState {
  try {
    const parsed = listStateSchema.safeParse(JSON.parse(localStorage.getItem(keyOf(userId)) ?? 'null'));
    return parsed.success ? parsed.data : fallback;
  } catch {
    return fallback;
  }
}

export function saveListState(userId: string, state: ListState): void {
  try {
    localStorage.setItem(keyOf(userId), JSON.stringify(state));
  } catch {
    // Storage full or disabled: the list still works, it just starts afresh next time.
  }
}

/** Whether any filter narrows the list (an empty list then says how to widen it). */
export function isFiltered(state: ListState): boolean {
  return state.search.trim() !== '' || state.status !== '' || state.siteId !== '' || state.priority !== '' || state.dueBefore !== '' || state.overdueOnly || state.assignee !== '';
}
