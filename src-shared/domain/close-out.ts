import type { WorkOrder } from './entities';

/**
 * What a work order still lacks when a technician completes it: its tasks not
 * done, and no completion notes or labor recorded. Shown before completing, which a technician
 * cannot undo; completing anyway stays the technician's call.
 */
export function completionGaps(wo: Pick<WorkOrder, 'tasks' | 'completionNotes' | 'laborRecords'>): string[] {
  const gaps = wo.tasks.filter((task) => !task.done && !task.required).map((task) => `Task not done: ${task.title}`);
  if (!wo.completionNotes?.trim()) gaps.push('No completion notes');
  if (wo.laborRecords.length === 0) gaps.push('No labor recorded');
  return gaps;
}

/** Required tasks not done: while any is open the work order cannot be completed, by anyone, on the laptop or the server. */
export function requiredTasksOpen(wo: Pick<WorkOrder, 'tasks'>): string[] {
  return wo.tasks.filter((task) => task.required === true && !task.done).map((task) => task.title);
}

/** The refusal, in words, of completing with required tasks open; null when nothing blocks it. */
export function completionBlocked(wo: Pick<WorkOrder, 'tasks' | 'number'>): string | null {
  const open = requiredTasksOpen(wo);
  if (open.length === 0) return null;
  return `${wo.number ?? 'This work order'} cannot be completed yet: ${open.length === 1 ? 'a required task is' : `${open.length} required tasks are`} not done (${open.join('; ')})`;
}
