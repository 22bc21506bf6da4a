import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sendOrder, type QueuedOpRef } from '../../src-shared/sync/outbox-order';
import { quickReconnectWindowMs, reconnectDelayMs, slowestReconnectMs } from '../../src-shared/sync/connectivity';
import { coalesceValues } from '../../src-shared/sync/coalesce';
import { rebase } from '../../src-shared/sync/rebase';
import { retryDelayMs, actionFor, maxAttempts } from '../../src-shared/sync/retry-policy';
import { opPriority } from '../../src-shared/sync/op-priority';
import { conflictPolicyFor } from '../../src-shared/domain/conflict-policies';
import { errorCodes } from '../../src-shared/protocol/errors';
import { jsonEqual } from '../../src-shared/domain/json';

describe('retry policy', () => {
  it('follows 0, 5, 10, 30, 60 s, then 5 min, within ±20 % jitter', () => {
    const schedule = [0, 5000, 10000, 30000, 60000, 300000];
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, () => 0.5))).toEqual([0, 5000, 10000, 30000, 60000, 300000, 300000]);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (failures, r) => {
        const delay = retryDelayMs(failures, () => r);
        const base = schedule[Math.min(failures, schedule.length - 1)] ?? Number.NaN;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }),
    );
    expect(maxAttempts).toBe(10);
  });

  it('maps every error code to an action', () => {
    expect(actionFor('NETWORK_ERROR')).toBe('retry');
    expect(actionFor('AUTH_ERROR')).toBe('refresh-auth');
    expect(actionFor('VALIDATION_ERROR')).toBe('fail');
    expect(actionFor('NOT_FOUND')).toBe('drop-record');
    expect(actionFor('PERMISSION_DENIED')).toBe('drop-record');
    expect(actionFor('SERVER_ERROR')).toBe('retry');
    for (const code of errorCodes) expect(typeof actionFor(code)).toBe('string');
  });
});

describe('priorities', () => {
  it('ranks emergencies, completions, parts, updates, labor, metadata', () => {
    expect(opPriority('workOrder', 'create', { type: 'emergency' })).toBe(1);
    expect(opPriority('asset', 'update', { status: 'failed' })).toBe(2);
    expect(opPriority('workOrder', 'update', { status: 'completed' })).toBe(3);
    expect(opPriority('workOrder', 'update', { partsUsed: [] })).toBe(4);
    expect(opPriority('workOrder', 'update', { tasks: [] })).toBe(5);
    expect(opPriority('workOrder', 'update', { laborRecords: [] })).toBe(6);
    expect(opPriority('attachment', 'create', { kind: 'photo' })).toBe(7);
    expect(opPriority('attachment', 'create', { kind: 'document' })).toBe(8);
    expect(opPriority('workOrder', 'update', { tags: [] })).toBe(9);
  });
});

const opArb = fc.record({
  record: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
  priority: fc.integer({ min: 1, max: 10 }),
  state: fc.constantFrom<QueuedOpRef['state']>('pending', 'pending', 'pending', 'in-flight', 'failed', 'conflict', 'refused'),
  dependsOn: fc.subarray(['r1', 'r2', 'r3', 'r4'], { maxLength: 1 }),
  notBefore: fc.constantFrom(0, 0, 0, 5000),
});

describe('send order', () => {
  const build = (raw: { record: string; priority: number; state: QueuedOpRef['state']; dependsOn: string[]; notBefore: number }[]): QueuedOpRef[] =>
    raw.map((r, i) => ({ opId: `op${i}`, recordKey: r.record, seq: i + 1, priority: r.priority, state: r.state, dependsOn: r.dependsOn.filter((d) => d !== r.record), notBefore: r.notBefore }));

  it('priority first, then FIFO', () => {
    const ops = build([
      { record: 'a', priority: 5, state: 'pending', dependsOn: [], notBefore: 0 },
      { record: 'b', priority: 1, state: 'pending', dependsOn: [], notBefore: 0 },
      { record: 'c', priority: 5, state: 'pending', dependsOn: [], notBefore: 0 },
    ]);
    expect(sendOrder(ops, new Set(), 0).map((o) => o.opId)).toEqual(['op1', 'op0', 'op2']);
  });

  it('never sends an op before an earlier op on its record, nor before the create of what it references', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), fc.subarray(['r1', 'r2', 'r3', 'r4']), (raw, unsyncedList) => {
        const ops = build(raw);
        const unsynced = new Set(unsyncedList);
        const chosen = sendOrder(ops, unsynced, 1000);
        const position = new Map(chosen.map((op, i) => [op.opId, i]));
        for (const op of chosen) {
          expect(op.state).toBe('pending');
          expect(op.notBefore).toBeLessThanOrEqual(1000);
          // Every earlier op on the same record is gone from the queue — none may be waiting. A
          // refused one is answered for good and waits for nothing.
          expect(ops.some((o) => o.recordKey === op.recordKey && o.seq < op.seq && o.state !== 'refused')).toBe(false);
          for (const dep of op.dependsOn) {
            if (!unsynced.has(dep)) continue;
            const creator = chosen.find((c) => c.recordKey === dep);
            expect(creator, `${op.opId} needs ${dep}`).toBeDefined();
            expect(position.get(creator?.opId ?? '') ?? Infinity).toBeLessThan(position.get(op.opId) ?? -1);
          }
        }
        expect(new Set(chosen.map((o) => o.opId)).size).toBe(chosen.length);
      }),
    );
  });

  it('a refused op holds back nothing: the next ready op of its record goes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (raw) => {
        const ops = build(raw);
        const chosen = new Set(sendOrder(ops, new Set(), 1000).map((o) => o.opId));
        for (const op of ops) {
          const earlier = ops.filter((o) => o.recordKey === op.recordKey && o.seq < op.seq);
          const ready = op.state === 'pending' && op.notBefore <= 1000;
          if (ready && earlier.length > 0 && earlier.every((o) => o.state === 'refused')) expect(chosen.has(op.opId), op.opId).toBe(true);
        }
      }),
    );
  });

  it('a failed op holds back only its own record (no head-of-line blocking)', () => {
    const ops = build([
      { record: 'a', priority: 1, state: 'failed', dependsOn: [], notBefore: 0 },
      { record: 'a', priority: 1, state: 'pending', dependsOn: [], notBefore: 0 },
      { record: 'b', priority: 9, state: 'pending', dependsOn: [], notBefore: 0 },
    ]);
    expect(sendOrder(ops, new Set(), 0).map((o) => o.opId)).toEqual(['op2']);
  });
});

describe('coalescing', () => {
  it('newest value wins; an edit undone to its base sends nothing', () => {
    expect(coalesceValues({ status: 'in-progress' }, { status: 'completed' }, { status: 'assigned' }, 'update')).toEqual({ status: 'completed' });
    expect(coalesceValues({ status: 'in-progress' }, { status: 'assigned' }, { status: 'assigned' }, 'update')).toEqual({});
    expect(coalesceValues({ title: 'a' }, { title: 'a' }, {}, 'create')).toEqual({ title: 'a' });
  });

  it('equals applying the edits one after another', () => {
    const values = fc.dictionary(fc.constantFrom('f1', 'f2', 'f3'), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(values, values, values, (first, second, bases) => {
        const merged = coalesceValues(first, second, bases, 'update');
        for (const field of new Set([...Object.keys(first), ...Object.keys(second)])) {
          const final = field in second ? second[field] : first[field];
          if (field in bases && bases[field] === final) expect(field in merged).toBe(false);
          else expect(merged[field]).toBe(final);
        }
      }),
    );
  });
});

describe('rebase', () => {
  const conflictPolicyOf = (field: string) => conflictPolicyFor('workOrder', field);
  it('never overwrites a pending local change the server did not touch; takes the server for untouched fields', () => {
    const result = rebase({
      local: { description: 'mine', title: 'old', status: 'in-progress' },
      server: { description: 'base', title: 'new title', status: 'in-progress' },
      pending: { description: 'mine' },
      bases: { description: 'base' },
      conflictPolicyOf,
      localTime: '2026-01-01T00:00:00Z',
      serverTime: '2026-01-01T00:00:00Z',
    });
    expect(result.record).toEqual({ description: 'mine', title: 'new title', status: 'in-progress' });
    expect(result.pending).toEqual({ description: 'mine' });
    expect(result.conflicts).toEqual([]);
  });

  it('server-wins drops the local change, merge-by-key merges and re-bases, manual keeps local pending', () => {
    const result = rebase({
      local: {},
      server: { scheduledEnd: 'S', partsUsed: [{ id: 's' }], completionNotes: 'office' },
      pending: { scheduledEnd: 'L', partsUsed: [{ id: 'l' }], completionNotes: 'tech' },
      bases: { scheduledEnd: 'B', partsUsed: [], completionNotes: null },
      conflictPolicyOf,
      localTime: '2026-01-01T00:00:00Z',
      serverTime: '2026-01-01T00:00:00Z',
    });
    expect(result.record).toEqual({ scheduledEnd: 'S', partsUsed: [{ id: 's' }, { id: 'l' }], completionNotes: 'tech' });
    expect(result.pending).toEqual({ partsUsed: [{ id: 's' }, { id: 'l' }], completionNotes: 'tech' });
    expect(result.bases).toEqual({ partsUsed: [{ id: 's' }], completionNotes: null });
  });

  it('keeps every pending field whose server value is still its base, for any policy', () => {
    const fields = ['status', 'tags', 'description', 'completionNotes', 'scheduledEnd'];
    const val = fc.constantFrom('a', 'b', 'c');
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...fields), val), fc.dictionary(fc.constantFrom(...fields), val), fc.dictionary(fc.constantFrom(...fields), val), (pending, server, bases) => {
        const result = rebase({ local: { ...server, ...pending }, server, pending, bases, conflictPolicyOf, localTime: 't', serverTime: 't' });
        for (const [field, local] of Object.entries(pending)) {
          if (jsonEqual(server[field] ?? null, bases[field] ?? null)) expect(result.record[field]).toEqual(local);
        }
        for (const field of Object.keys(server)) if (!(field in pending)) expect(result.record[field]).toEqual(server[field]);
      }),
    );
  });
});

describe('reconnect schedule', () => {
  it('1–5 s for the first minute, then backing off to at most a minute (±20 %), never sooner than a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 24 * 3600_000 }), fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (unreachableFor, attempt, r) => {
        const delay = reconnectDelayMs(unreachableFor, attempt, () => r);
        if (unreachableFor < quickReconnectWindowMs) {
          expect(delay).toBeGreaterThanOrEqual(1_000);
          expect(delay).toBeLessThanOrEqual(5_000);
        } else {
          expect(delay).toBeGreaterThanOrEqual(4_000);
          expect(delay).toBeLessThanOrEqual(slowestReconnectMs * 1.2);
        }
      }),
    );
  });

  it('after the first minute each attempt waits at least as long as the one before (same jitter)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        expect(reconnectDelayMs(quickReconnectWindowMs, attempt + 1, () => r)).toBeGreaterThanOrEqual(reconnectDelayMs(quickReconnectWindowMs, attempt, () => r));
      }),
    );
  });
});
