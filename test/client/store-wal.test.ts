import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEncryptedStore, type OpenStore } from '../../src-main/core/store/open-store';

const mb = 1024 * 1024;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the store’s write-ahead log stays small', () => {
  let dir: string;
  let file: string;
  let store: OpenStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fieldline-wal-'));
    file = join(dir, 'store.db');
    store = await openEncryptedStore(file, randomBytes(32).toString('hex'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `count` work orders of ~4 KB in one transaction, as a pulled page is written. */
  function writeWorkOrders(from: number, count: number) {
    const insert = store.sqlite.prepare(
      `insert into records (entity, id, version, data, sync_state, updated_at) values ('workOrder', ?, 1, ?, 'synced', '2026-11-23T00:00:00.000Z')`,
    );
    store.sqlite.transaction(() => {
      for (let i = from; i < from + count; i++) insert.run(`wo-${i}`, JSON.stringify({ notes: randomBytes(2000).toString('hex') }));
    })();
  }
  const walBytes = () => statSync(`${file}-wal`).size;

  it('after a large write is checkpointed, the next commit cuts the log back, and small cycles leave the database file alone', () => {
    // A first sync's worth: well past the 4 MB threshold.
    writeWorkOrders(0, 3000);
    expect(walBytes()).toBeGreaterThan(12 * mb);
    store.checkpoint();
    writeWorkOrders(3000, 1);
    expect(walBytes()).toBeLessThanOrEqual(4 * mb);

    // Delta-sized commits below the threshold: checkpoint() copies nothing into the database.
    const before = sha(file);
    for (let i = 0; i < 10; i++) {
      writeWorkOrders(3001 + i * 10, 10);
      store.checkpoint();
    }
    expect(sha(file)).toBe(before);

    // Past the threshold again it does, and the log is cut back once more.
    writeWorkOrders(4000, 1500);
    store.checkpoint();
    expect(sha(file)).not.toBe(before);
    writeWorkOrders(6000, 1);
    expect(walBytes()).toBeLessThanOrEqual(4 * mb);
    expect(store.sqlite.prepare(`select count(*) as n from records`).get()).toEqual({ n: 4602 });
  });
});
