import type { ErrorCode } from '../protocol/errors';

/** docs/keeping-work-safe.md: 0, 5, 10, 30, 60 s, then 5 min; failed for good after 10 attempts. */
const scheduleMs = [0, 5_000, 10_000, 30_000, 60_000, 300_000] as const;
export const maxAttempts = 10;

/**
 * Delay before attempt number `attempt + 1`, given `attempt` failures so far. Jitter of ±20 %
 * spreads a fleet of laptops that came back online at the same moment; `random` is passed in.
 */
export function retryDelayMs(failures: number, random: () => number): number {
  const base = scheduleMs[Math.min(Math.max(failures, 0), scheduleMs.length - 1)] ?? 300_000;
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** What the sync engine does with an op or a sync attempt that ended in this error. */
export type ErrorAction = 'retry' | 'refresh-auth' | 'fail' | 'drop-record' | 'shrink-batch' | 'hand-over-and-wipe';

export function actionFor(code: ErrorCode): ErrorAction {
  switch (code) {
    case 'NETWORK_ERROR':
    case 'SERVER_ERROR':
    case 'VERSION_CONFLICT':
      return 'retry';
    case 'AUTH_ERROR':
      return 'refresh-auth';
    case 'VALIDATION_ERROR':
    case 'STORE_LOCKED':
    case 'STORE_CORRUPT':
      return 'fail';
    case 'NOT_FOUND':
    case 'PERMISSION_DENIED':
      return 'drop-record';
    case 'PAYLOAD_TOO_LARGE':
      return 'shrink-batch';
    case 'RATE_LIMITED':
      return 'retry';
    case 'DEVICE_REVOKED':
      return 'hand-over-and-wipe';
  }
}
