import Database from 'better-sqlite3-multiple-ciphers';
import { applyStoreSettings } from '../../src-main/core/store/open-store';

/**
 * A database for the bench's raw measurements, set up by the store's own code (applyStoreSettings:
 * 8 KB pages, WAL, no checkpoint inside a commit, synchronous NORMAL) with a raw SQLCipher key as
 * the store has — or the same without the cipher, to show what the cipher costs. With SQLite's
 * default automatic checkpoint the raw insert would also move its whole WAL into the database
 * inside the timed commit, which the store leaves to the worker after the cycle.
 */
export function openRawDatabase(file: string, options: { encrypted: boolean }): Database.Database {
  const db = new Database(file);
  if (options.encrypted) {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma(`key = "x'${'ab'.repeat(32)}'"`);
  }
  applyStoreSettings(db, { newFile: true });
  return db;
}
