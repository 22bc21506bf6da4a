import { rmSync } from 'node:fs';
import { idsPerStatement, inChunks } from '../../src-shared/sqlite/statement-chunks';
import { maxPushOps } from '../../src-shared/protocol/push';
import { openRawDatabase } from './raw-database';

export interface RecordRow {
  entity: string;
  id: string;
  version: number;
  data: string;
}

/**
 * What the database alone costs for what a push does to each acknowledged record — read its
 * version, rewrite the row, a commit per 1000 (a push batch) — for the records `ids` among `rows`,
 * in a database of the store's page size, with and without SQLCipher: every page read is decrypted
 * and checked (HMAC-SHA512), every page written encrypted and signed. The floor under figure 3.
 */
export function pushPageCost(file: string, rows: readonly RecordRow[], ids: readonly string[]): { encryptedMs: number; plainMs: number } {
  const measure = (encrypted: boolean) => {
    rmSync(file, { force: true });
    rmSync(`${file}-wal`, { force: true });
    const setup = openRawDatabase(file, { encrypted });
    setup.exec('create table records (entity text, id text, version integer, data text, primary key (entity, id))');
    const insert = setup.prepare('insert into records values (@entity, @id, @version, @data)');
    setup.transaction(() => {
      for (const row of rows) insert.run({ entity: row.entity, id: row.id, version: row.version, data: row.data });
    })();
    setup.pragma('wal_checkpoint(TRUNCATE)');
    setup.close();
    // Reopened: nothing of it in the page cache, as for records edited hours before the push.
    const db = openRawDatabase(file, { encrypted });
    const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    const select = (some: string[]) => db.prepare(`select id, version from records where entity = 'workOrder' and id in (${marks(some.length)})`).all(some);
    const update = (some: string[]) => db.prepare(`update records set version = version + 1, data = data where entity = 'workOrder' and id in (${marks(some.length)})`).run(some);
    const started = performance.now();
    // Ids in statements as the push sends them; a transaction per push batch.
    for (const batch of inChunks(ids, maxPushOps)) {
      for (const some of inChunks(batch, idsPerStatement)) select(some);
      db.transaction(() => {
        for (const some of inChunks(batch, idsPerStatement)) update(some);
      })();
    }
    const ms = performance.now() - started;
    db.close();
    rmSync(file, { force: true });
    rmSync(`${file}-wal`, { force: true });
    return ms;
  };
  return { encryptedMs: measure(true), plainMs: measure(false) };
}
