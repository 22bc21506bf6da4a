import type { WorkOrder } from './entities';

type WorkNotStarted = Pick<WorkOrder, 'actualStart' | 'actualEnd' | 'tasks' | 'partsRequired' | 'partsUsed' | 'laborRecords' | 'measurements' | 'completionNotes' | 'rootCause' | 'tags' | 'categories'>;

/** The part of a new work order nobody has worked on yet: its tasks to do, and nothing done. */
export function workNotStarted(taskTitles: readonly string[]): WorkNotStarted {
  return {
    actualStart: null,
    actualEnd: null,
    tasks: taskTitles.map((title, i) => ({ id: `t${i + 1}`, title, done: false, doneAt: null, doneBy: null })),
    partsRequired: [],
    partsUsed: [],
    laborRecords: [],
    measurements: [],
    completionNotes: null,
    rootCause: null,
    tags: [],
    categories: [],
  };
}
