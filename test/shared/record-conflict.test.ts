import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordOutcome, type ServerRecordState } from '../../src-shared/merge/record-conflict';

const server: fc.Arbitrary<ServerRecordState | null> = fc.option(fc.record({ version: fc.integer({ min: 1, max: 4 }), deleted: fc.boolean() }), { nil: null });
const baseVersion = fc.integer({ min: 0, max: 4 });

describe('record-level conflicts: what an op meets before its fields are merged', () => {
  it('a delete conflicts exactly when the record lives on and changed since the device’s base; otherwise it is done or applies', () => {
    fc.assert(
      fc.property(server, baseVersion, (s, base) => {
        const outcome = recordOutcome({ kind: 'delete', baseVersion: base }, s);
        const changedUnderIt = s !== null && !s.deleted && s.version !== base;
        expect(outcome === 'delete-update').toBe(changedUnderIt);
        if (s === null || s.deleted) expect(outcome).toBe('already-deleted');
      }),
    );
  });

  it('an update conflicts with the record only when it was deleted, whatever the versions (fields decide the rest)', () => {
    fc.assert(
      fc.property(server, baseVersion, (s, base) => {
        const outcome = recordOutcome({ kind: 'update', baseVersion: base }, s);
        expect(outcome).toBe(s === null ? 'not-found' : s.deleted ? 'update-delete' : 'apply');
      }),
    );
  });

  it('a create meets an existing record as create-create, a deleted one is never brought back by a create', () => {
    expect(recordOutcome({ kind: 'create', baseVersion: 0 }, null)).toBe('apply');
    expect(recordOutcome({ kind: 'create', baseVersion: 0 }, { version: 3, deleted: false })).toBe('create-create');
    expect(recordOutcome({ kind: 'create', baseVersion: 0 }, { version: 3, deleted: true })).toBe('recreate-refused');
  });
});
