import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stockAfter, stockTaken } from '../../src-shared/domain/stock-taking';

const partIds = ['p1', 'p2', 'p3'] as const;
/** A work order's parts-used list: items with unique ids, some parts used more than once. */
const partsUsed = fc.uniqueArray(
  fc.record({ id: fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5'), partId: fc.constantFrom(...partIds), quantity: fc.integer({ min: 1, max: 50 }) }),
  { selector: (item) => item.id, maxLength: 5 },
);
/** A work order as its successive versions: null while it does not exist or after it was deleted. */
const history = fc.array(fc.option(partsUsed.map((list) => ({ partsUsed: list })), { nil: null, freq: 5 }), { minLength: 1, maxLength: 8 });

const total = (state: { partsUsed: { partId: string; quantity: number }[] } | null, partId: string) =>
  (state?.partsUsed ?? []).filter((use) => use.partId === partId).reduce((sum, use) => sum + use.quantity, 0);

describe('stock taken by parts used', () => {
  it('a change takes what is used after it less what was used before, per part', () => {
    const before = { partsUsed: [{ id: 'u1', partId: 'p1', quantity: 2 }] };
    const after = { partsUsed: [{ id: 'u1', partId: 'p1', quantity: 3 }, { id: 'u2', partId: 'p2', quantity: 1 }] };
    expect(Object.fromEntries(stockTaken(before, after))).toEqual({ p1: 1, p2: 1 });
    expect(Object.fromEntries(stockTaken(after, null))).toEqual({ p1: -3, p2: -1 });
    expect(stockTaken(before, before).size).toBe(0);
  });

  it('whatever path the edits take, stock ends at the start less what the last version uses', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: -100, max: 100 }), (versions, start) => {
        const stock = new Map<string, number>(partIds.map((id) => [id, start]));
        let previous: (typeof versions)[number] = null;
        for (const next of versions) {
          for (const [partId, quantity] of stockTaken(previous, next)) stock.set(partId, stockAfter(stock.get(partId) ?? 0, quantity));
          previous = next;
        }
        for (const partId of partIds) expect(stock.get(partId)).toBe(start - total(previous, partId));
      }),
    );
  });

  it('decimal quantities add up without float dust', () => {
    let stock = 1;
    for (let i = 0; i < 10; i++) stock = stockAfter(stock, 0.1);
    expect(stock).toBe(0);
  });
});
