import { jsonEqual, type Json } from '../domain/json';

const has = (items: readonly Json[], value: Json) => items.some((item) => jsonEqual(item, value));

/**
 * Three-way set merge for additive data (tags, categories): what either side added is kept, what
 * either side removed from the base is gone. Server order first, then local additions.
 */
export function unionMerge(base: readonly Json[], local: readonly Json[], server: readonly Json[]): Json[] {
  const merged: Json[] = [];
  for (const value of [...server, ...local]) {
    if (has(merged, value)) continue;
    const removed = has(base, value) && (!has(local, value) || !has(server, value));
    if (!removed) merged.push(value);
  }
  return merged;
}
