import type { WorkOrderStatus } from './work-order-status';

/**
 * What is kept offline: a closed or cancelled work order leaves the laptop 90 days after its last change,
 * its attachments with it; closed ones keep thumbnails only until then (attachment-transfer.ts).
 */
export const finishedStatuses: readonly WorkOrderStatus[] = ['closed', 'cancelled'];
export const localRetentionDays = 90;
const dayMs = 24 * 3600 * 1000;
/** Expiry reads every closed work order's date (0.9 s for a supervisor at 100k): once a day is enough. */
export const expiryIntervalMs = dayMs;

export function expiryDue(lastRunAt: string | null, nowMs: number): boolean {
  const last = lastRunAt === null ? Number.NaN : Date.parse(lastRunAt);
  return !Number.isFinite(last) || nowMs - last >= expiryIntervalMs || nowMs < last;
}

export interface ExpiryCandidate {
  id: string;
  status: string | null;
  /** The work order's own last change (its `updatedAt`), not when this device stored it. */
  updatedAt: string;
  /** Queued changes or an open conflict: a person's work that must reach the server or a decision first. */
  unsettled: boolean;
  /** Pinned with "Keep offline": the technician asked for it to stay. */
  pinned: boolean;
}

export function expiresLocally(candidate: ExpiryCandidate, nowMs: number, retentionDays = localRetentionDays): boolean {
  if (candidate.unsettled || candidate.pinned) return false;
  if (!finishedStatuses.some((s) => s === candidate.status)) return false;
  const changedAt = Date.parse(candidate.updatedAt);
  // An unreadable date keeps the record: expiry only removes what it can prove is old.
  return Number.isFinite(changedAt) && nowMs - changedAt > retentionDays * dayMs;
}
