import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openServerDatabase } from '../../src-server/db/connect';
import { startWalCheckpointer, type WalCheckpointer } from '../../src-server/db/wal-checkpointer';
import { walCheckpointState } from '../../src-shared/sqlite/wal-checkpoint';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function eventually(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`not within 10 s: ${what}`);
    await settle(10);
  }
}

describe('the server’s WAL checkpoint thread', () => {
  let dir: string;
  let file: string;
  let writer: Database.Database;
  let checkpointer: WalCheckpointer | null;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fieldline-checkpointer-'));
    file = join(dir, 'server.db');
    writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    // Every checkpoint in these tests is the thread's.
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('create table pages (n integer primary key, body blob not null)');
    checkpointer = null;
  });
  afterEach(async () => {
    await checkpointer?.stop();
    if (writer.open) writer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const insert = () => writer.prepare('insert into pages (body) values (?)').run(randomBytes(3000));
  const wal = () => walCheckpointState.parse(writer.pragma('wal_checkpoint(NOOP)'))[0];
  const waiting = () => wal().log - wal().checkpointed;

  it('moves what commits during a checkpoint too, though it stays below the threshold, so the next write starts the WAL over', async () => {
    const errors: Error[] = [];
    checkpointer = startWalCheckpointer({ file, thresholdFrames: 64, intervalMs: 5 }, (error) => errors.push(error));
    // Running: past the threshold, the WAL goes into the database.
    while (waiting() < 64) insert();
    await eventually(() => waiting() === 0, 'a first checkpoint');
    while (waiting() < 40) insert();
    // A reader's snapshot stops a checkpoint there: what commits after it stays in the WAL, as what
    // commits while a long checkpoint runs does.
    const reader = new Database(file);
    reader.prepare('begin').run();
    reader.prepare('select count(*) from pages').get();
    const snapshot = wal().log;
    for (let i = 0; i < 200 && wal().checkpointed < snapshot; i++) {
      insert();
      await settle(5);
    }
    expect(wal().checkpointed).toBe(snapshot);
    const left = waiting();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(64);
    reader.prepare('commit').run();
    reader.close();

    await eventually(() => waiting() === 0, 'the frames below the threshold are in the database');
    insert();
    // Started over: the WAL holds just this commit's frames.
    expect(wal().log).toBeLessThan(8);
    expect(errors).toEqual([]);
  });

  it('leaves a WAL below the threshold alone', async () => {
    checkpointer = startWalCheckpointer({ file, thresholdFrames: 1000, intervalMs: 5 }, (error) => {
      throw error;
    });
    while (waiting() < 40) insert();
    const before = waiting();
    await settle(100);
    expect(waiting()).toBe(before);
  });

  it('closes its connection when stopped, so the last one to close removes the WAL', async () => {
    checkpointer = startWalCheckpointer({ file, thresholdFrames: 64, intervalMs: 5 }, (error) => {
      throw error;
    });
    insert();
    await checkpointer.stop();
    checkpointer = null;
    writer.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('reports a database it cannot open', async () => {
    const failed = new Promise<Error>((resolve) => {
      checkpointer = startWalCheckpointer({ file: join(dir, 'missing.db'), thresholdFrames: 64, intervalMs: 5 }, resolve);
    });
    expect((await failed).message).toMatch(/unable to open database file/);
  });

  it('runs beside the server’s own connection and ends with it', async () => {
    writer.close();
    const database = await openServerDatabase({ kind: 'sqlite', file });
    expect(await database.db.selectFrom('change_head').select('seq').executeTakeFirst()).toEqual({ seq: expect.any(Number) });
    await database.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('holds a process that has nothing else to do until the thread has ended, so its close settles', () => {
    writer.close();
    const connect = new URL('../../src-server/db/connect.ts', import.meta.url).pathname;
    const script = `const { openServerDatabase } = await import(${JSON.stringify(connect)});
      const database = await openServerDatabase({ kind: 'sqlite', file: ${JSON.stringify(file)} });
      await database.close();
      console.log('closed');`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(output.trim()).toBe('closed');
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
