/**
 * Figure 1 in a process of its own that holds only the client, as the laptop's app does: a fresh
 * profile signs in, the sync worker thread runs the first sync, and this process's RSS is sampled
 * throughout. Then the same rows go raw into a fresh encrypted database, for the ratio, and into an
 * unencrypted one, for the cipher's share. Prints one JSON line. Run by bench/run.ts with the
 * bench's private keyring in its environment.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ClientCore } from '../../src-main/core/session/client-core';
import { KeytarSecretStore } from '../../src-main/core/secrets/keytar-secret-store';
import { openRawDatabase } from './raw-database';
import { openEncryptedStore } from '../../src-main/core/store/open-store';

const args = z.object({ serverUrl: z.string().url(), username: z.string(), password: z.string(), workDir: z.string(), service: z.string() }).parse(JSON.parse(process.argv[2] ?? '{}'));

const client = new ClientCore({ profileDir: mkdtempSync(join(args.workDir, 'profile-')), secrets: new KeytarSecretStore(args.service), syncInWorkerThread: true });
const session = await client.signIn(args.serverUrl, args.username, args.password);
let peak = process.memoryUsage.rss();
// memoryUsage.rss(), not memoryUsage(): the latter walks the heap spaces, ~1 ms every 10 ms.
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await session.engine.sync('start');
const seconds = (performance.now() - started) / 1000;
// All of this process's threads: less moved by the machine's noise than the wall time.
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
clearInterval(sampler);
if (!result.ok) throw new Error(`initial sync failed: ${JSON.stringify(result.error)}`);

// The worker moves a first sync's WAL into the database after the cycle, on its own thread (about
// 1.6 s at 100k). Stopped first, so that work has ended before the raw insert is timed: running
// alongside, it took the raw rate from about 31k to 20k rows/s.
await session.engine.stop();
const rows = session.store.sqlite.prepare('select entity, id, version, data, sync_state, site_id, status, priority, assigned_to, scheduled_end, work_order_id, search_text, updated_at from records').all();
/**
 * The same rows, inserted raw into a fresh database in one transaction: encrypted as the store is
 * (SQLCipher 4: AES-256 and an HMAC-SHA512 on every page), and without encryption, to show what the
 * cipher itself costs on this machine.
 */
function rawInsertRate(encrypted: boolean): number {
  const raw = openRawDatabase(join(args.workDir, `raw-${encrypted ? 'encrypted' : 'plain'}-${process.pid}.db`), { encrypted });
  raw.exec('create table records (entity text, id text, version integer, data text, sync_state text, site_id text, status text, priority text, assigned_to text, scheduled_end text, work_order_id text, search_text text, updated_at text, primary key (entity, id))');
  const insert = raw.prepare('insert into records values (@entity, @id, @version, @data, @sync_state, @site_id, @status, @priority, @assigned_to, @scheduled_end, @work_order_id, @search_text, @updated_at)');
  const started = performance.now();
  raw.transaction((all: unknown[]) => {
    for (const row of all) insert.run(row);
  })(rows);
  const rate = rows.length / ((performance.now() - started) / 1000);
  raw.close();
  return rate;
}
/**
 * The same rows inserted the same way into a fresh store (openEncryptedStore: its schema, with the
 * list indexes and the full-text search index the lists and search need): what 1b's raw reference
 * leaves out.
 */
async function storeSchemaInsertRate(): Promise<number> {
  const store = await openEncryptedStore(join(args.workDir, `store-schema-${process.pid}.db`), 'ef'.repeat(32));
  const insert = store.sqlite.prepare(
    'insert into records (entity, id, version, data, sync_state, site_id, status, priority, assigned_to, scheduled_end, work_order_id, search_text, updated_at, pending_delete) values (@entity, @id, @version, @data, @sync_state, @site_id, @status, @priority, @assigned_to, @scheduled_end, @work_order_id, @search_text, @updated_at, 0)',
  );
  const started = performance.now();
  store.sqlite.transaction((all: unknown[]) => {
    for (const row of all) insert.run(row);
  })(rows);
  const rate = rows.length / ((performance.now() - started) / 1000);
  await store.db.destroy();
  return rate;
}
const rawRate = rawInsertRate(true);
const rawPlainRate = rawInsertRate(false);
const storeSchemaRate = await storeSchemaInsertRate();
await client.signOut({ force: true });
console.log(JSON.stringify({ records: rows.length, seconds, cpuSeconds, peakMb: peak / 1024 / 1024, rawRate, rawPlainRate, storeSchemaRate }));
