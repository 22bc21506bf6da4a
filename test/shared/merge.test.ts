import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mergeByKey, itemKey } from '../../src-shared/merge/merge-by-key';
import { unionMerge } from '../../src-shared/merge/union-merge';
import { mergePatch, type JsonRecord, type Patch } from '../../src-shared/merge/merge-patch';
import { resolveStatusConflict } from '../../src-shared/merge/status-resolution';
import { resolveFieldConflict } from '../../src-shared/merge/field-resolution';
import { conflictPolicies, conflictPolicyFor, type ConflictPolicy } from '../../src-shared/domain/conflict-policies';
import { jsonEqual, type Json } from '../../src-shared/domain/json';
import { recordAsSent } from '../../src-shared/sync/as-sent-record';

const T0 = '2026-11-01T10:00:00.000Z';
const T1 = '2026-11-01T11:00:00.000Z';

describe('merge-by-key', () => {
  it('merges parts used from both sides', () => {
    const server = [{ id: 'a', partId: 'A', qty: 1 }];
    const local = [{ id: 'b', partId: 'B', qty: 2 }];
    expect(mergeByKey([], local, server)).toEqual([...server, ...local]);
  });

  it('a deletion beats an untouched item, a modification beats a deletion', () => {
    const base = [{ id: 'x', v: 1 }, { id: 'y', v: 1 }];
    const local = [{ id: 'y', v: 2 }]; // deleted x, modified y
    const server = [{ id: 'x', v: 1 }]; // deleted y
    expect(mergeByKey(base, local, server)).toEqual([{ id: 'y', v: 2 }]);
  });

  it('an item changed on both sides takes the preferred side', () => {
    const base = [{ id: 't', done: false, note: '' }];
    const local = [{ id: 't', done: true, note: '' }];
    const server = [{ id: 't', done: false, note: 'office' }];
    expect(mergeByKey(base, local, server)).toEqual(local);
    expect(mergeByKey(base, local, server, 'server')).toEqual(server);
  });
});

describe('union', () => {
  it('keeps additions from both sides and honours removals', () => {
    expect(unionMerge(['a', 'b'], ['a', 'c'], ['a', 'b', 'd'])).toEqual(['a', 'd', 'c']);
  });
});

describe('status', () => {
  it('follows the status policy: completion beats in-progress, hold against completion is manual', () => {
    expect(resolveStatusConflict('completed', 'in-progress')).toBe('local');
    expect(resolveStatusConflict('completed', 'on-hold')).toBe('manual');
    expect(resolveStatusConflict('completed', 'cancelled')).toBe('manual');
    expect(resolveStatusConflict('in-progress', 'completed')).toBe('server');
    expect(resolveStatusConflict('on-hold', 'cancelled')).toBe('server');
  });
});

describe('mergePatch examples', () => {
  const server: JsonRecord = { status: 'in-progress', completionNotes: 'office text', scheduledStart: T1, tags: ['x'] };
  it('applies fields whose base matches and decides the rest by policy', () => {
    const patch: Patch = {
      status: { base: 'assigned', value: 'completed' },
      completionNotes: { base: null, value: 'tech text' },
      scheduledStart: { base: T0, value: '2026-11-02T08:00:00.000Z' },
      tags: { base: [], value: ['y'] },
    };
    const result = mergePatch({ server, patch, conflictPolicyOf: (f) => conflictPolicyFor('workOrder', f), localTime: T0, serverTime: T1 });
    expect(result.merged).toEqual({ status: 'completed', completionNotes: 'office text', scheduledStart: T1, tags: ['x', 'y'] });
    expect(Object.fromEntries(result.conflicts.map((c) => [c.field, c.outcome]))).toEqual({
      status: 'local',
      completionNotes: 'manual',
      scheduledStart: 'server',
      tags: 'merged',
    });
  });
});

// ---- properties -------------------------------------------------------------------------------

const scalar = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 3 }), fc.constant(null));
const item = fc.record({ id: fc.constantFrom('i1', 'i2', 'i3', 'i4', 'i5'), v: fc.integer({ min: 0, max: 2 }) });
const items = fc.array(item, { maxLength: 6 });
const tagList = fc.uniqueArray(fc.constantFrom('t1', 't2', 't3', 't4', 't5'), { maxLength: 5 });
const valueFor = (policy: ConflictPolicy): fc.Arbitrary<Json> =>
  policy === 'merge-by-key'
    ? items
    : policy === 'union'
      ? tagList
      : policy === 'status'
        ? fc.constantFrom('assigned', 'in-progress', 'on-hold', 'completed', 'cancelled')
        : scalar;

/** A server record, a patch over some of its fields, and each field's policy. */
const scenario = fc
  .array(fc.constantFrom(...conflictPolicies), { minLength: 1, maxLength: 6 })
  .chain((policies) =>
    fc.record({
      policies: fc.constant(policies),
      server: fc.tuple(...policies.map(valueFor)),
      patch: fc.tuple(...policies.map((p) => fc.option(fc.record({ base: valueFor(p), value: valueFor(p) }), { nil: undefined }))),
      localTime: fc.constantFrom(T0, T1),
      serverTime: fc.constantFrom(T0, T1),
    }),
  )
  .map(({ policies, server, patch, localTime, serverTime }) => {
    const serverRecord: JsonRecord = {};
    const patchRecord: Patch = {};
    policies.forEach((_, i) => {
      serverRecord[`f${i}`] = server[i] ?? null;
      const change = patch[i];
      if (change) patchRecord[`f${i}`] = change;
    });
    const conflictPolicyOf = (field: string): ConflictPolicy => policies[Number(field.slice(1))] ?? 'manual';
    return { server: serverRecord, patch: patchRecord, conflictPolicyOf, localTime, serverTime };
  });

describe('mergePatch properties', () => {
  it('is deterministic', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const a = mergePatch({ ...input, server: structuredClone(input.server), patch: structuredClone(input.patch) });
        const b = mergePatch({ ...input, server: structuredClone(input.server), patch: structuredClone(input.patch) });
        expect(a).toEqual(b);
      }),
    );
  });

  it('is idempotent: re-applying the same patch to the merged record changes nothing', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const once = mergePatch(input);
        const twice = mergePatch({ ...input, server: once.merged });
        expect(twice.merged).toEqual(once.merged);
      }),
    );
  });

  it('never loses a change that did not conflict, and never touches fields outside the patch', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const { merged, conflicts } = mergePatch(input);
        const conflicted = new Set(conflicts.map((c) => c.field));
        for (const [field, serverValue] of Object.entries(input.server)) {
          const change = input.patch[field];
          if (!change) expect(merged[field]).toEqual(serverValue);
          else if (!conflicted.has(field)) expect(merged[field]).toEqual(change.value);
          else expect(jsonEqual(serverValue, change.base) || jsonEqual(serverValue, change.value)).toBe(false);
        }
      }),
    );
  });

  it('without a conflict, merges to recordAsSent: the device rebuilds an as-sent answer exactly', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom<JsonRecord>({}, { updatedAt: T1 }), (input, touched) => {
        const { merged, conflicts } = mergePatch(input);
        fc.pre(conflicts.length === 0);
        expect(recordAsSent(input.server, input.patch, touched)).toEqual({ ...merged, ...touched });
      }),
    );
  });

  it('an op based on the server record as it is never conflicts, so its answer can be as-sent', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const based = Object.fromEntries(Object.entries(input.patch).map(([field, change]) => [field, { ...change, base: input.server[field] ?? null }]));
        expect(mergePatch({ ...input, patch: based }).conflicts).toEqual([]);
      }),
    );
  });

  it('leaves the server value in place for manual outcomes', () => {
    fc.assert(
      fc.property(scenario, (input) => {
        for (const c of mergePatch(input).conflicts) if (c.outcome === 'manual') expect(c.value).toEqual(c.server);
      }),
    );
  });
});

describe('merge-by-key properties', () => {
  const keysOf = (list: readonly Json[]) => list.map(itemKey);

  it('keeps each item of both sides exactly once unless the other side deleted it unchanged', () => {
    fc.assert(
      fc.property(items, items, items, (base, local, server) => {
        const merged = mergeByKey(base, local, server);
        const mergedKeys = keysOf(merged);
        expect(new Set(mergedKeys).size).toBe(mergedKeys.length);
        const baseKeys = new Set(keysOf(base));
        for (const key of new Set([...keysOf(local), ...keysOf(server)])) {
          const addedOnOneSide = !baseKeys.has(key);
          const onBothSides = keysOf(local).includes(key) && keysOf(server).includes(key);
          if (addedOnOneSide || onBothSides) expect(mergedKeys).toContain(key);
        }
        for (const key of mergedKeys) expect([...keysOf(local), ...keysOf(server)]).toContain(key);
      }),
    );
  });

  it('takes the changed side as it is when only one side changed', () => {
    const firstOfEachKey = (list: readonly Json[]) => list.filter((x, i) => keysOf(list).indexOf(itemKey(x)) === i);
    const sortedByKey = (list: readonly Json[]) => [...list].sort((a, b) => (itemKey(a) < itemKey(b) ? -1 : 1));
    fc.assert(
      fc.property(items, items, (base, changed) => {
        const expected = sortedByKey(firstOfEachKey(changed));
        expect(sortedByKey(mergeByKey(base, changed, base))).toEqual(expected);
        expect(sortedByKey(mergeByKey(base, base, changed))).toEqual(expected);
      }),
    );
  });
});

describe('field resolution covers every policy', () => {
  it('returns the local or the server value for single-sided policies', () => {
    fc.assert(
      fc.property(fc.constantFrom<ConflictPolicy>('server-wins', 'client-wins', 'last-write-wins', 'manual'), scalar, scalar, scalar, (policy, base, local, server) => {
        const r = resolveFieldConflict({ policy, base, local, server, localTime: T0, serverTime: T1 });
        expect([local, server]).toContainEqual(r.value);
      }),
    );
  });
});
