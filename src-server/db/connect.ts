import Database from 'better-sqlite3-multiple-ciphers';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { migrateToLatest } from './migrations';
import { withStatementCache } from '../../src-shared/sqlite/statement-cache';
import { startWalCheckpointer } from './wal-checkpointer';
import type { DialectName, ServerDatabase, ServerDb } from './schema';

// int8 (sequence numbers) as numbers: they stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize?: number };

/** DATABASE_URL names a PostgreSQL database; without it the SQLite file in the data directory. */
export function databaseTargetOf(env: Readonly<Record<string, string | undefined>>, dataDir: string, poolSize?: number): DatabaseTarget {
  const url = env.DATABASE_URL;
  return url ? { kind: 'postgres', url, ...(poolSize !== undefined ? { poolSize } : {}) } : { kind: 'sqlite', file: join(resolve(dataDir), 'fieldline-server.db') };
}

export interface ServerDatabaseHandle {
  db: ServerDb;
  dialect: DialectName;
  /** PostgreSQL's connection string: instances listen there for each other's changes. */
  postgresUrl?: string;
  /** PostgreSQL's pool, as metrics report it. */
  poolStats?: () => { total: number; idle: number; waiting: number };
  /** Closes the connections, and on SQLite the checkpoint thread. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** An idle pooled connection died (database restart, admin termination); the pool replaces it. */
  onIdleConnectionError?: (error: Error) => void;
  /** SQLite's checkpoint thread failed (wal-checkpointer.ts); requests go on, and their commits checkpoint once the WAL passes 256 MB. Thrown if not given. */
  onCheckpointError?: (error: Error) => void;
}

const rethrow = (error: Error) => {
  throw error;
};

export async function openServerDatabase(target: DatabaseTarget, options: OpenDatabaseOptions = {}): Promise<ServerDatabaseHandle> {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: target.poolSize ?? 20 });
    // Without a listener, pg raises an idle connection's error as an uncaught exception and the
    // whole server exits on a database restart. The pool drops that connection by itself.
    pool.on('error', (error) => options.onIdleConnectionError?.(error));
    const db = new Kysely<ServerDatabase>({ dialect: new PostgresDialect({ pool }) });
    await migrateToLatest(db, 'postgres');
    return {
      db,
      dialect: 'postgres',
      postgresUrl: target.url,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => db.destroy(),
    };
  }
  if (target.file !== ':memory:') mkdirSync(dirname(target.file), { recursive: true });
  const sqlite = new Database(target.file);
  sqlite.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a process crash without loss; only an OS crash may lose the newest commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  // Checkpoints run on a thread of their own (wal-checkpointer.ts), once the WAL holds 64 MB that the
  // database file does not: a push batch of 1000 ops writes ~1000–1500 pages, and a threshold of
  // SQLite's default 1000 pages copied into the file, every batch, the pages every batch rewrites
  // (the change head, the tails of the change log and op results, the b-trees' inner pages). This
  // connection checkpoints at a commit only past 256 MB, should that thread fail or fall behind, and
  // a restarted WAL's file is cut back to 128 MB (64 MB and what commits during a checkpoint).
  sqlite.pragma('wal_autocheckpoint = 65536');
  sqlite.pragma(`journal_size_limit = ${128 * 1024 * 1024}`);
  const db = new Kysely<ServerDatabase>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrateToLatest(db, 'sqlite');
  const checkpointer = target.file === ':memory:' ? null : startWalCheckpointer({ file: target.file, thresholdFrames: 16384, intervalMs: 100 }, options.onCheckpointError ?? rethrow);
  return {
    db,
    dialect: 'sqlite',
    async close() {
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}
