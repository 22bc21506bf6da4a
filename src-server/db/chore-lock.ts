import { sql } from 'kysely';
import type { DialectName, ServerDb } from './schema';

/**
 * Work that one instance of a fleet does for all (docs/architecture.md: shared locks in the database): the
 * demo seed, the daily retention sweep. On PostgreSQL a session advisory lock named after the chore
 * is taken on one pooled connection for as long as the work runs; SQLite is one process and needs none.
 * `wait`: queue behind an instance doing it (the seed: the second then finds it done); otherwise
 * skip it, the other instance is on it (null).
 */
export async function withChoreLock<T>(db: ServerDb, dialect: DialectName, chore: 'demo-seed' | 'retention', options: { wait: boolean }, work: () => Promise<T>): Promise<T | null> {
  if (dialect !== 'postgres') return work();
  return db.connection().execute(async (connection) => {
    const key = sql`hashtext(${`fieldline:${chore}`})`;
    if (options.wait) {
      await sql`select pg_advisory_lock(${key})`.execute(connection);
    } else {
      const taken = await sql<{ taken: boolean }>`select pg_try_advisory_lock(${key}) as taken`.execute(connection);
      if (taken.rows[0]?.taken !== true) return null;
    }
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(connection);
    }
  });
}
