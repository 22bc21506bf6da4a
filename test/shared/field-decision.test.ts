import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonEqual, type Json } from '../../src-shared/domain/json';
import { mergePatch } from '../../src-shared/merge/merge-patch';
import { rebase } from '../../src-shared/sync/rebase';

const value: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom<Json>(null, 'a', 'b', 'c', 1, 2), fc.array(fc.constantFrom('x', 'y'), { maxLength: 2 }));

/** On the server and on the device the same rule says when a field was changed on both sides. */
describe('a field conflicts exactly when the server value is neither its base nor its new value', () => {
  it('push (mergePatch) and a device’s rebase agree with it, and with each other', () => {
    fc.assert(
      fc.property(value, value, value, (base, local, server) => {
        const expected = !jsonEqual(server, base) && !jsonEqual(server, local);
        const pushed = mergePatch({ server: { f: server }, patch: { f: { base, value: local } }, conflictPolicyOf: () => 'manual', localTime: '2026-01-01T00:00:00Z', serverTime: '2026-01-01T00:00:00Z' });
        const rebased = rebase({ local: { f: local }, server: { f: server }, pending: { f: local }, bases: { f: base }, conflictPolicyOf: () => 'manual', localTime: '2026-01-01T00:00:00Z', serverTime: '2026-01-01T00:00:00Z' });
        expect(pushed.conflicts.length === 1).toBe(expected);
        expect(rebased.conflicts.length === 1).toBe(expected);
      }),
    );
  });
});
