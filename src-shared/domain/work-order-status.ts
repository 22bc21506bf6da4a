import { z } from 'zod';

export const workOrderStatuses = [
  'draft',
  'open',
  'assigned',
  'in-progress',
  'on-hold',
  'completed',
  'closed',
  'cancelled',
] as const;
export const workOrderStatusSchema = z.enum(workOrderStatuses);
export type WorkOrderStatus = z.infer<typeof workOrderStatusSchema>;

/** An admin is IT: users, sites, assets, parts and devices (the admin API), and a supervisor's desk at their sites. */
export const userRoles = ['technician', 'supervisor', 'admin'] as const;
export const userRoleSchema = z.enum(userRoles);
export type UserRole = z.infer<typeof userRoleSchema>;

/** Whether a role oversees the sites it holds (plans, triages, decides) or works its own work orders only. */
export function overseesSites(role: UserRole): boolean {
  return role === 'supervisor' || role === 'admin';
}

type Transitions = Readonly<Record<WorkOrderStatus, readonly WorkOrderStatus[]>>;

/** What a technician on site may do to a work order's status. */
const technicianTransitions: Transitions = {
  draft: ['open'],
  open: [],
  assigned: ['in-progress', 'on-hold'],
  'in-progress': ['on-hold', 'completed'],
  'on-hold': ['in-progress'],
  completed: [],
  closed: [],
  cancelled: [],
};

/** A supervisor plans, holds, cancels, closes and reopens as well. */
const supervisorTransitions: Transitions = {
  draft: ['open', 'cancelled'],
  open: ['assigned', 'cancelled'],
  assigned: ['open', 'in-progress', 'on-hold', 'cancelled'],
  'in-progress': ['on-hold', 'completed', 'cancelled'],
  'on-hold': ['assigned', 'in-progress', 'cancelled'],
  completed: ['in-progress', 'closed'],
  closed: [],
  cancelled: [],
};

export function allowedTransitions(from: WorkOrderStatus, role: UserRole): readonly WorkOrderStatus[] {
  return (overseesSites(role) ? supervisorTransitions : technicianTransitions)[from];
}

/**
 * Offline, several transitions coalesce into one op (assigned → in-progress → completed arrives as
 * assigned → completed), so the server checks that the target is reachable, not one step away.
 */
export function canReachStatus(from: WorkOrderStatus, to: WorkOrderStatus, role: UserRole): boolean {
  if (from === to) return true;
  const seen = new Set<WorkOrderStatus>([from]);
  const queue: WorkOrderStatus[] = [from];
  // for-of over an array visits items pushed during the loop: a breadth-first search.
  for (const current of queue) {
    for (const next of allowedTransitions(current, role)) {
      if (next === to) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}

/** Statuses in which a work order assigned to a technician stays on their device (the scope rules, docs/architecture.md). */
export const technicianActiveStatuses: readonly WorkOrderStatus[] = ['assigned', 'in-progress', 'on-hold', 'completed'];

/** Statuses in which a work order's work is over: done, signed off or called off. */
const finishedStatuses: ReadonlySet<WorkOrderStatus> = new Set(['completed', 'closed', 'cancelled']);

/** Statuses in which a work order still has work to do. */
export const unfinishedStatuses: readonly WorkOrderStatus[] = workOrderStatuses.filter((status) => !finishedStatuses.has(status));

/** Past its scheduled end with its work not done: the list flags it for the technician and the office. */
export function isOverdue(workOrder: { status: WorkOrderStatus; scheduledEnd: string | null }, now: number): boolean {
  return workOrder.scheduledEnd !== null && unfinishedStatuses.includes(workOrder.status) && Date.parse(workOrder.scheduledEnd) < now;
}
