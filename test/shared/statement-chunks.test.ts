import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idsByEntity, inChunks } from '../../src-shared/sqlite/statement-chunks';

const record = fc.record({ entity: fc.constantFrom('workOrder', 'asset', 'attachment'), id: fc.constantFrom('a', 'b', 'c', 'd', 'e') });

describe('splitting ids across statements', () => {
  it('chunks keep every item once, in order, none larger than asked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer({ min: 1, max: 7 }), (items, size) => {
        const chunks = [...inChunks(items, size)];
        expect(chunks.flat()).toEqual(items);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(size);
        }
      }),
    );
  });

  it('groups ids by entity, each once, in the order first seen', () => {
    fc.assert(
      fc.property(fc.array(record), (records) => {
        const grouped = idsByEntity(records);
        expect([...grouped.keys()]).toEqual([...new Set(records.map((r) => r.entity))]);
        for (const [entity, ids] of grouped) expect(ids).toEqual([...new Set(records.filter((r) => r.entity === entity).map((r) => r.id))]);
      }),
    );
  });
});
