/**
 * How many ids go in one `IN (…)` and how many rows in one multi-row INSERT: one bound parameter
 * per id, one per column per row, well under SQLite's 32,766 and PostgreSQL's 65,535.
 */
export const idsPerStatement = 500;
export const rowsPerInsert = 400;

export function* inChunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
