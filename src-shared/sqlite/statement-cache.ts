/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running most of
 * ours. This wraps a better-sqlite3 connection so each distinct SQL text is prepared once.
 * Structural types only, so server and client share it without a dependency here.
 */
export interface PreparableDatabase<S> {
  prepare(sql: string): S;
  close(): unknown;
}

export function withStatementCache<S, D extends PreparableDatabase<S>>(database: D, capacity = 500): PreparableDatabase<S> {
  const cache = new Map<string, S>();
  return {
    prepare(sql: string): S {
      const cached = cache.get(sql);
      if (cached !== undefined) {
        // Refresh its place: the map's order is the eviction order.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > capacity) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return statement;
    },
    close: () => {
      cache.clear();
      return database.close();
    },
  };
}
