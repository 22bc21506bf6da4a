import Database from 'better-sqlite3-multiple-ciphers';

/**
 * A database for the bench's raw measurements, set up as the store is (openEncryptedStore): a raw
 * SQLCipher key, 8 KB pages (on a new file), WAL, synchronous NORMAL — or the same without the
 * cipher, to show what the cipher costs.
 */
export function openRawDatabase(file: string, options: { encrypted: boolean }): Database.Database {
  const db = new Database(file);
  if (options.encrypted) {
    db.pragma(`cipher = 'sqlcipher'`);
    db.pragma(`key = "x'${'ab'.repeat(32)}'"`);
  }
  db.pragma('page_size = 8192');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
