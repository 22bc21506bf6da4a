import { canonicalJson, jsonEqual, type Json } from '../domain/json';

/** An item's identity in a merge-by-key array: its `id`, or the whole value for id-less items. */
export function itemKey(item: Json): string {
  if (item !== null && typeof item === 'object' && !Array.isArray(item) && typeof item.id === 'string') {
    return `id:${item.id}`;
  }
  return `value:${canonicalJson(item)}`;
}

function byKey(items: readonly Json[]): Map<string, Json> {
  const map = new Map<string, Json>();
  for (const item of items) if (!map.has(itemKey(item))) map.set(itemKey(item), item);
  return map;
}

export function asArray(value: Json | undefined): readonly Json[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Three-way merge of arrays of items with ids. Additions on either side are kept; a deletion wins
 * over an untouched item, a modification wins over a deletion (work recorded on site is not thrown
 * away); an item changed on both sides takes `prefer`'s version. Server order first, then the
 * local additions in local order. Each key appears once.
 */
export function mergeByKey(
  base: readonly Json[],
  local: readonly Json[],
  server: readonly Json[],
  prefer: 'local' | 'server' = 'local',
): Json[] {
  const b = byKey(base);
  const l = byKey(local);
  const s = byKey(server);
  const keys = [...s.keys(), ...[...l.keys()].filter((k) => !s.has(k))];
  const merged: Json[] = [];
  for (const key of keys) {
    const bi = b.get(key);
    const li = l.get(key);
    const si = s.get(key);
    if (li !== undefined && si !== undefined) {
      if (jsonEqual(li, si) || jsonEqual(bi, si)) merged.push(li);
      else if (jsonEqual(bi, li)) merged.push(si);
      else merged.push(prefer === 'local' ? li : si);
    } else if (li !== undefined) {
      // Missing on the server: added locally, or deleted on the server.
      if (bi === undefined || !jsonEqual(bi, li)) merged.push(li);
    } else if (si !== undefined) {
      if (bi === undefined || !jsonEqual(bi, si)) merged.push(si);
    }
  }
  return merged;
}
