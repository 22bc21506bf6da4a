import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { afterCycle, idleCycle, nextCycleState, type CycleState, type SyncTrigger } from '../../src-shared/sync/sync-cycle';

const trigger = fc.constantFrom<SyncTrigger>('start', 'manual', 'periodic', 'focus', 'connectivity', 'notification', 'critical', 'local');
const step = fc.oneof(trigger.map((t) => ({ type: 'requested' as const, trigger: t })), fc.constant({ type: 'finished' as const }));

/**
 * Drives the machine as the engine does: a `begin` starts a cycle (time = event index), requests
 * that wait are answered by the next cycle begun. Returns which cycle answered each request.
 */
function drive(events: ({ type: 'requested'; trigger: SyncTrigger } | { type: 'finished' })[]) {
  let state: CycleState = idleCycle;
  const cycles: { startedAt: number; trigger: SyncTrigger }[] = [];
  const requests: { at: number; trigger: SyncTrigger; cycle: number | null }[] = [];
  const waiting: number[] = [];
  let running = false;
  const apply = (event: (typeof events)[number], at: number) => {
    if (event.type === 'finished' && !running) return;
    const next = nextCycleState(state, event);
    state = next.state;
    if (event.type === 'finished') running = false;
    if (event.type === 'requested') requests.push({ at, trigger: event.trigger, cycle: null });
    if (next.effect.type === 'begin') {
      expect(running, 'a cycle begins while another runs').toBe(false);
      running = true;
      cycles.push({ startedAt: at, trigger: next.effect.trigger });
      const answered = event.type === 'requested' ? [requests.length - 1] : waiting.splice(0);
      for (const r of answered) {
        const request = requests[r];
        if (request) request.cycle = cycles.length - 1;
      }
    } else if (next.effect.type === 'wait-for-next') waiting.push(requests.length - 1);
  };
  events.forEach(apply);
  // Let every cycle end: nothing may be left waiting.
  for (let i = 0; running && i < 3; i++) apply({ type: 'finished' }, events.length + i);
  return { cycles, requests, state, waiting };
}

describe('the sync cycle state machine', () => {
  it('one cycle at a time; every request is answered by a cycle that began at or after it, and none is left waiting', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (events) => {
        const { cycles, requests, state, waiting } = drive(events);
        expect(state).toEqual(idleCycle);
        expect(waiting).toEqual([]);
        for (const request of requests) {
          expect(request.cycle).not.toBeNull();
          const cycle = cycles[request.cycle ?? -1];
          // A late request never gets the running cycle, which may have read the outbox before its change.
          expect(cycle?.startedAt).toBeGreaterThanOrEqual(request.at);
        }
        // No cycle nobody asked for, and the requests during one cycle share the next.
        expect(cycles.length).toBeLessThanOrEqual(requests.length);
      }),
    );
  });

  it('the cycle after a running one starts with the first trigger asked during it', () => {
    let state: CycleState = nextCycleState(idleCycle, { type: 'requested', trigger: 'start' }).state;
    state = nextCycleState(state, { type: 'requested', trigger: 'critical' }).state;
    state = nextCycleState(state, { type: 'requested', trigger: 'periodic' }).state;
    expect(nextCycleState(state, { type: 'finished' })).toEqual({ state: { name: 'running', trigger: 'critical' }, effect: { type: 'begin', trigger: 'critical' } });
  });

  it('after a cycle: an ended sign-in waits for the user, the network’s absence is Offline and retried, success waits for the interval', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (failures, r) => {
        const random = () => r;
        expect(afterCycle({ code: 'AUTH_ERROR', message: 'x' }, failures, random, 60_000)).toEqual({ state: 'signed-out', retryInMs: null, next: null });
        const offline = afterCycle({ code: 'NETWORK_ERROR', message: 'x' }, failures, random, 60_000);
        expect(offline.state).toBe('offline');
        expect(offline.retryInMs).toBeGreaterThanOrEqual(1000);
        expect(offline.next).toEqual({ trigger: 'connectivity', inMs: offline.retryInMs });
        expect(afterCycle({ code: 'SERVER_ERROR', message: 'x' }, failures, random, 60_000).state).toBe('failed');
        expect(afterCycle(null, failures, random, 60_000)).toEqual({ state: 'idle', retryInMs: null, next: { trigger: 'periodic', inMs: 60_000 } });
      }),
    );
  });
});
