import type { ErrorEnvelope } from '../protocol/errors';
import type { SyncStatus } from './sync-status';
import { retryDelayMs } from './retry-policy';

/**
 * What asked for a sync cycle. `local`: edits settled after a short debounce; `critical`: a
 * priority 1–2 edit, at once.
 */
export type SyncTrigger = 'start' | 'manual' | 'periodic' | 'focus' | 'connectivity' | 'notification' | 'critical' | 'local';

/** What one cycle did, as the caller of sync() receives it. */
export interface SyncResult {
  ok: boolean;
  pushed: number;
  pulled: number;
  /** Changes the server refused in this cycle: kept on the device and escalated, never dropped. */
  refused: number;
  error: ErrorEnvelope | null;
}

/**
 * The sync worker's cycles as a state machine: one cycle at a time, and a request made while one
 * runs is answered by the cycle after it — never by the running one, which may have read the
 * outbox before the change that asked ("Sync now" right after an edit answers for that edit).
 * Every request during the same cycle shares that next one.
 *
 * - `idle`: no cycle runs.
 * - `running`: a cycle runs; nobody waits for another.
 * - `running-then-next`: a cycle runs and the requests made since wait for the next one, which
 *   starts with the first of their triggers as soon as this one ends.
 */
export type CycleState = { name: 'idle' } | { name: 'running'; trigger: SyncTrigger } | { name: 'running-then-next'; trigger: SyncTrigger; next: SyncTrigger };

export type CycleEvent = { type: 'requested'; trigger: SyncTrigger } | { type: 'finished' };

/**
 * What the engine does on a transition. `begin`: start a cycle now (the requester of a `requested`
 * event gets it; on `finished`, those who waited for the next cycle get it). `wait-for-next`: the
 * requester gets the next cycle. `none`: the machine went idle.
 */
export type CycleEffect = { type: 'begin'; trigger: SyncTrigger } | { type: 'wait-for-next' } | { type: 'none' };

export const idleCycle: CycleState = { name: 'idle' };

export function nextCycleState(state: CycleState, event: CycleEvent): { state: CycleState; effect: CycleEffect } {
  switch (event.type) {
    case 'requested':
      switch (state.name) {
        case 'idle':
          return { state: { name: 'running', trigger: event.trigger }, effect: { type: 'begin', trigger: event.trigger } };
        case 'running':
          return { state: { name: 'running-then-next', trigger: state.trigger, next: event.trigger }, effect: { type: 'wait-for-next' } };
        case 'running-then-next':
          return { state, effect: { type: 'wait-for-next' } };
      }
      break;
    case 'finished':
      switch (state.name) {
        case 'idle':
        case 'running':
          return { state: idleCycle, effect: { type: 'none' } };
        case 'running-then-next':
          return { state: { name: 'running', trigger: state.next }, effect: { type: 'begin', trigger: state.next } };
      }
  }
}

/** Whether a cycle runs (housekeeping waits for the end of the last one). */
export function cycleRunning(state: CycleState): boolean {
  return state.name !== 'idle';
}

/**
 * What the badge says after a cycle and when the worker tries again: the network's absence is
 * Offline, an ended sign-in waits for the user (no retry would help), any other failure backs off
 * (retry-policy.ts); a good cycle waits for the periodic interval.
 */
export function afterCycle(
  error: ErrorEnvelope | null,
  failures: number,
  random: () => number,
  intervalMs: number,
): { state: SyncStatus['state']; retryInMs: number | null; next: { trigger: SyncTrigger; inMs: number } | null } {
  if (!error) return { state: 'idle', retryInMs: null, next: { trigger: 'periodic', inMs: intervalMs } };
  if (error.code === 'AUTH_ERROR') return { state: 'signed-out', retryInMs: null, next: null };
  const retryInMs = Math.max(retryDelayMs(failures, random), 1000);
  return { state: error.code === 'NETWORK_ERROR' ? 'offline' : 'failed', retryInMs, next: { trigger: 'connectivity', inMs: retryInMs } };
}
