import type { WorkOrder } from './entities';

/**
 * What a work order still lacks when a technician completes it (issue: close-out): its tasks not
 * done, and no completion notes or labor recorded. Shown before completing, which a technician
 * cannot undo; completing anyway stays the technician's call.
 */
export function completionGaps(wo: Pick<WorkOrder, 'tasks' | 'completionNotes' | 'laborRecords'>): string[] {
  const gaps = wo.tasks.filter((task) => !task.done).map((task) => `Task not done: ${task.title}`);
  if (!wo.completionNotes?.trim()) gaps.push('No completion notes');
  if (wo.laborRecords.length === 0) gaps.push('No labor recorded');
  return gaps;
}
