import { constants, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority, so that the sync worker gives way to the thread that
 * answers the technician: on a 2-core laptop a list asked for during a first sync otherwise waits
 * for a core two to four times as long as it computes (bench/README, figure 5).
 *
 * Linux only. There a nice value belongs to a thread, and pid 0 names the calling thread
 * (setpriority(2), NPTL). Elsewhere the same call sets the whole process's priority class, which
 * would slow the UI thread along with the worker, so the worker keeps normal priority there.
 * Returns whether the priority was lowered.
 */
export function yieldCpuToInteractiveWork(platform: NodeJS.Platform = process.platform): boolean {
  if (platform !== 'linux') return false;
  setPriority(0, constants.priority.PRIORITY_BELOW_NORMAL);
  return true;
}
