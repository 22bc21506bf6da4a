import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { z } from 'zod';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import { FieldlineError } from '../../../src-shared/protocol/errors';
import type { SecretStore } from '../secrets/secret-store';
import type { ClientDatabase, ClientDb } from './client-schema';
import { migrateClientStore } from './client-migrations';
import { withStatementCache } from '../../../src-shared/sqlite/statement-cache';
import { checkpointPassive, walFramesWaiting } from '../../../src-shared/sqlite/wal-checkpoint';

export interface OpenStore {
  db: ClientDb;
  /** The raw connection, for what Kysely does not cover (checkpoint, close). */
  sqlite: Database.Database;
  /** Moves the WAL into the database without waiting for readers, once it holds a few MB not yet moved. */
  checkpoint(): void;
  close(): Promise<void>;
}

const keyPattern = /^[0-9a-f]{64}$/;

/**
 * Two connections write this store: the UI's (edits) and the sync worker's. A plain BEGIN reads
 * first and asks for the write lock only at its first write; if the other connection committed in
 * between, SQLite refuses the upgrade at once (SQLITE_BUSY_SNAPSHOT, no busy wait) and the edit or
 * the page fails. BEGIN IMMEDIATE takes the write lock up front, waiting (busy_timeout) for the
 * other side's commit, so a transaction always reads and writes the latest state.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

/** How much work the WAL gathers before the worker moves it into the database. */
const walCheckpointBytes = 4 * 1024 * 1024;
/**
 * What the WAL file is cut back to after a complete checkpoint: a first sync of 100k records leaves
 * ~400 MB, which SQLite would otherwise keep on disk for good, reusing it from its start. Well above
 * what the WAL gathers between checkpoints (4 MB, plus the cycle or the 256 edits after which the
 * worker finds it past that), so edits keep committing into file space the WAL already has: a
 * commit that extends the file costs more than one that overwrites (bench figure 4).
 */
export const walFileBytes = 32 * 1024 * 1024;

/**
 * The key is 256 random bits, kept only in the keychain. No key for an existing database is an
 * error, never a reason to start a new empty database over the old one.
 */
export async function loadOrCreateDatabaseKey(secrets: SecretStore, account: string, databaseFile: string): Promise<string> {
  const stored = await secrets.get(account);
  if (stored !== null) {
    if (!keyPattern.test(stored)) {
      throw new FieldlineError('STORE_LOCKED', 'The database key in the keychain is malformed. Nothing was changed; contact IT to recover the device.', { account });
    }
    return stored;
  }
  if (existsSync(databaseFile)) {
    throw new FieldlineError(
      'STORE_LOCKED',
      'The key for the local database is missing from the keychain, so its unsynced changes cannot be read. Nothing was changed or deleted; contact IT (the database is kept as it is).',
      { account, databaseFile },
    );
  }
  const key = randomBytes(32).toString('hex');
  await secrets.set(account, key);
  return key;
}

/**
 * How the store's connection writes, after its key: also what the bench's raw reference insert uses,
 * so the two are compared on the same terms (bench/README.md, figure 1b).
 */
export function applyStoreSettings(sqlite: Database.Database, options: { newFile: boolean }): void {
  // 8 KB pages (on a new file; an existing one keeps its size). A first sync writes about as fast as
  // with 16 KB, and an edit, which rewrites whole pages (the row, the outbox, the bases), is cheaper
  // (bench figure 4).
  if (options.newFile) sqlite.pragma('page_size = 8192');
  sqlite.pragma('journal_mode = WAL');
  // No checkpoint inside a commit: an edit must not pay for re-encrypting the WAL into the
  // database. The sync worker checkpoints between cycles (see checkpoint()).
  sqlite.pragma('wal_autocheckpoint = 0');
  // Per connection: whichever commits first after a complete checkpoint cuts the file back.
  sqlite.pragma(`journal_size_limit = ${walFileBytes}`);
  // NORMAL in WAL mode: a crashed or killed process loses nothing; only a power cut may lose the
  // last commits before the checkpoint. FULL would fsync every edit.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('busy_timeout = 5000');
}

/**
 * Opens (or creates) the SQLCipher database with a raw key — no password KDF on every open — in
 * WAL mode, temp tables in memory so no plaintext ever reaches a temp file, then migrates it.
 */
export async function openEncryptedStore(databaseFile: string, keyHex: string): Promise<OpenStore> {
  if (!keyPattern.test(keyHex)) throw new FieldlineError('STORE_LOCKED', 'The database key has the wrong format');
  const existed = existsSync(databaseFile);
  mkdirSync(dirname(databaseFile), { recursive: true, mode: 0o700 });
  const sqlite = new Database(databaseFile);
  try {
    sqlite.pragma(`cipher = 'sqlcipher'`);
    sqlite.pragma(`key = "x'${keyHex}'"`);
    sqlite.prepare('select count(*) from sqlite_master').get();
  } catch (error) {
    sqlite.close();
    throw new FieldlineError(
      'STORE_LOCKED',
      existed
        ? 'The local database cannot be opened with the key in the keychain: the key is wrong or the file is damaged. Nothing was changed; contact IT.'
        : `The local database could not be created: ${String(error)}`,
      { databaseFile },
    );
  }
  try {
    const check = sqlite.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(String(check));
  } catch (error) {
    sqlite.close();
    throw new FieldlineError('STORE_CORRUPT', 'The local database is damaged. Nothing was changed; contact IT to recover it before signing out.', {
      databaseFile,
      detail: String(error instanceof Error ? error.message : error),
    });
  }
  applyStoreSettings(sqlite, { newFile: !existed });
  const db = new Kysely<ClientDatabase>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrateClientStore(db);
  // A WAL frame is a page and its 24-byte header.
  const frameBytes = z.number().parse(sqlite.pragma('page_size', { simple: true })) + 24;
  return {
    db,
    sqlite,
    checkpoint() {
      // The worker asks a turn after its cycle; a sign-out may have closed the store by then.
      if (!sqlite.open) return;
      // Gated on the frames not yet in the database, not on the file, which keeps its size when
      // the WAL restarts: a complete checkpoint syncs the database file, and the restart syncs the
      // WAL's header (synchronous = NORMAL). Gated on the file, that happened after every delta
      // cycle, a sync of the disk each time (bench figure 2).
      if (walFramesWaiting(sqlite) * frameBytes <= walCheckpointBytes) return;
      const done = checkpointPassive(sqlite);
      // The first write after a complete checkpoint restarts the WAL and cuts its file back to
      // walFileBytes: ~0.13 s after a first sync of 100k (434 MB), paid by whatever wrote next,
      // most often a technician's first edit, on the thread that answers the UI. Restarted here
      // instead, by rewriting the header's user_version as it is, while the worker is idle.
      if (done.busy === 0 && done.log > 0 && done.log === done.checkpointed) {
        sqlite.pragma(`user_version = ${z.number().parse(sqlite.pragma('user_version', { simple: true }))}`);
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
