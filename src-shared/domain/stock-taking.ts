import type { Json } from './json';

/** What a work order's parts-used list says about stock: which part, how much. */
interface PartUse {
  id: string;
  partId: string;
  quantity: number;
}

function usesOf(partsUsed: Json | undefined): PartUse[] {
  if (!Array.isArray(partsUsed)) return [];
  return partsUsed.flatMap((item) =>
    typeof item === 'object' && item !== null && !Array.isArray(item) && typeof item.id === 'string' && typeof item.partId === 'string' && typeof item.quantity === 'number'
      ? [{ id: item.id, partId: item.partId, quantity: item.quantity }]
      : [],
  );
}

/**
 * How much of each part a change of a work order takes from stock (negative: gives back): the
 * parts used after it less those before, item by item. A deleted work order uses nothing, so its
 * parts go back. The server applies this on every write of a work order (unit-of-work.ts), whoever
 * makes it, so stock always equals what was there less what the work orders now say was used.
 */
export function stockTaken(before: { partsUsed?: Json } | null, after: { partsUsed?: Json } | null): Map<string, number> {
  const taken = new Map<string, number>();
  const add = (partId: string, quantity: number) => taken.set(partId, (taken.get(partId) ?? 0) + quantity);
  for (const use of usesOf(after?.partsUsed)) add(use.partId, use.quantity);
  for (const use of usesOf(before?.partsUsed)) add(use.partId, -use.quantity);
  for (const [partId, quantity] of taken) if (Math.abs(quantity) < 1e-9) taken.delete(partId);
  return taken;
}

/** A stock figure after taking `quantity`, without the float dust of many small decimal uses (0.1 + 0.2). */
export function stockAfter(available: number, quantity: number): number {
  return Math.round((available - quantity) * 1e6) / 1e6;
}
