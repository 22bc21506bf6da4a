import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEncryptedStore, walFileBytes, type OpenStore } from '../../src-main/core/store/open-store';
import { walFramesWaiting } from '../../src-shared/sqlite/wal-checkpoint';

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

  /** `count` work orders of ~4 KB, each on a page of its own (8 KB pages), in one transaction, as a pulled page is written. */
  function writeWorkOrders(from: number, count: number) {
    const insert = store.sqlite.prepare(
      `insert into records (entity, id, version, data, sync_state, updated_at) values ('workOrder', ?, 1, ?, 'synced', '2026-11-23T00:00:00.000Z')`,
    );
    store.sqlite.transaction(() => {
      for (let i = from; i < from + count; i++) insert.run(`wo-${i}`, JSON.stringify({ notes: randomBytes(2000).toString('hex') }));
    })();
  }
  const walBytes = () => statSync(`${file}-wal`).size;
  const waitingFrames = () => walFramesWaiting(store.sqlite);

  it('a first sync’s log is cut back by the checkpoint itself, and later commits reuse the file without growing it', () => {
    // A first sync's worth: past the size the file is cut back to.
    const firstSync = Math.ceil((1.25 * walFileBytes) / 8192);
    writeWorkOrders(0, firstSync);
    expect(walBytes()).toBeGreaterThan(1.25 * walFileBytes);
    store.checkpoint();
    // Cut (and the WAL restarted) before anything else writes: the next writer, often an edit on
    // the UI thread, does not pay for it.
    const cut = walBytes();
    expect(cut).toBeLessThanOrEqual(walFileBytes);
    writeWorkOrders(firstSync, 1);
    expect(walBytes()).toBe(cut);

    // Delta-sized cycles, each followed by the worker's checkpoint, until the WAL has gathered
    // more than a checkpoint's worth: written over, never appended.
    const before = sha(file);
    for (let i = 0; i < 10; i++) {
      writeWorkOrders(firstSync + 1 + i * 100, 100);
      store.checkpoint();
    }
    expect(walBytes()).toBe(cut);
    expect(sha(file)).not.toBe(before);
    expect(store.sqlite.prepare(`select count(*) as n from records`).get()).toEqual({ n: firstSync + 1001 });
  });

  it('leaves a WAL that holds little work alone, however large its file, and moves it once it holds a few MB', () => {
    const firstSync = Math.ceil((1.25 * walFileBytes) / 8192);
    writeWorkOrders(0, firstSync);
    store.checkpoint();
    // What is left is the header page that restarted the WAL.
    expect(waitingFrames()).toBe(1);
    const before = sha(file);
    // Ten delta cycles of 10 work orders into a 32 MB file: each checkpoint() finds too little to move.
    for (let i = 0; i < 10; i++) {
      writeWorkOrders(firstSync + i * 10, 10);
      store.checkpoint();
    }
    expect(walBytes()).toBe(walFileBytes);
    expect(waitingFrames()).toBeGreaterThan(100);
    expect(sha(file)).toBe(before);
    // 500 more on pages of their own take it past 4 MB: the next checkpoint() moves all of it.
    writeWorkOrders(firstSync + 100, 500);
    store.checkpoint();
    expect(waitingFrames()).toBe(1);
    expect(sha(file)).not.toBe(before);
  });

  it('a checkpoint asked for after the store has closed (a sign-out right after a cycle) does nothing', async () => {
    writeWorkOrders(0, 10);
    await store.close();
    expect(() => store.checkpoint()).not.toThrow();
  });
});
