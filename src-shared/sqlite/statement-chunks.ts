/**
 * How many ids go in one `IN (…)` and how many rows in one multi-row INSERT: one bound parameter
 * per id, one per column per row, well under SQLite's 32,766 and PostgreSQL's 65,535.
 */
export const idsPerStatement = 500;
export const rowsPerInsert = 400;

export function* inChunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * The ids of these records per entity, each once, in first-seen order: lookups by (entity, id)
 * go one entity at a time, so each is a primary-key search.
 */
export function idsByEntity<E extends string>(records: Iterable<{ entity: E; id: string }>): Map<E, string[]> {
  const sets = new Map<E, Set<string>>();
  for (const r of records) {
    const ids = sets.get(r.entity);
    if (ids) ids.add(r.id);
    else sets.set(r.entity, new Set([r.id]));
  }
  return new Map([...sets].map(([entity, ids]) => [entity, [...ids]]));
}
