import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderSchema, type User, type WorkOrder } from '../../src-shared/domain/entities';
import { openEncryptedStore, type OpenStore } from '../../src-main/core/store/open-store';
import { applyPlainChanges } from '../../src-main/core/sync/pulled-records';
import { WorkOrderCommands } from '../../src-main/core/work-orders/work-order-commands';
import { FakeClock } from '../support/fake-clock';

const user: User = { id: uuidv7(), username: 'tech1', displayName: 'Tech One', role: 'technician', siteIds: [] };

function workOrder(): WorkOrder {
  return {
    id: uuidv7(), number: 'WO-000001', siteId: uuidv7(), assetId: null, type: 'corrective', title: 'Pump', description: '', priority: 'medium', status: 'in-progress', assignedTo: user.id, createdBy: user.id,
    createdAt: '2026-11-01T08:00:00.000Z', updatedAt: '2026-11-01T08:00:00.000Z', scheduledStart: null, scheduledEnd: null, actualStart: null, actualEnd: null,
    tasks: [], partsRequired: [], partsUsed: [], laborRecords: [], measurements: [], completionNotes: null, rootCause: null, tags: [], categories: [],
  };
}

let dir: string;
let key: string;
let store: OpenStore;
/** The sync worker's connection to the same encrypted file. */
let worker: Database.Database;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-writers-'));
  key = randomBytes(32).toString('hex');
  store = await openEncryptedStore(join(dir, 'store.db'), key);
  worker = new Database(join(dir, 'store.db'));
  worker.pragma(`cipher = 'sqlcipher'`);
  worker.pragma(`key = "x'${key}'"`);
  worker.pragma('busy_timeout = 0');
});
afterAll(async () => {
  worker.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an edit while the sync worker commits a pull (two connections, one file)', () => {
  it('never builds on a stale read: a pulled measurement and a local one both survive, whenever the pull lands', async () => {
    const commands = new WorkOrderCommands(store.db, new FakeClock(), () => user, () => undefined);
    let landedBetween = 0;
    for (let delay = 0; delay < 60; delay++) {
      const wo = workOrder();
      await store.db.transaction().execute((trx) => applyPlainChanges(trx, [{ entity: 'workOrder', id: wo.id, op: 'upsert', version: 1, parsed: wo }], '2026-11-02T00:00:00.000Z'));
      const edit = commands.recordMeasurement({ workOrderId: wo.id, name: 'mine', value: 1, unit: 'V' });
      // The worker's pull commits `delay` microtask turns into the edit: before its transaction,
      // or not at all while that transaction holds the write lock (the worker would wait).
      for (let i = 0; i < delay; i++) await Promise.resolve();
      const pulled = { ...wo, measurements: [{ id: uuidv7(), name: 'pulled', value: 2, unit: 'V', recordedAt: '2026-11-02T00:00:00.000Z' }] };
      let landed = false;
      try {
        const queued = worker.prepare('select count(*) as n from outbox where record_id = ?').get(wo.id) as { n: number };
        if (queued.n === 0) {
          worker.prepare('update records set data = ?, version = 2 where entity = ? and id = ?').run(JSON.stringify(pulled), 'workOrder', wo.id);
          landed = true;
        }
      } catch (error) {
        if (!String(error).includes('locked') && !String(error).includes('busy')) throw error;
      }
      await edit;
      const row = await store.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', '=', wo.id).executeTakeFirstOrThrow();
      const names = workOrderSchema.parse(JSON.parse(row.data)).measurements.map((m) => m.name);
      if (landed) {
        landedBetween++;
        expect(names.sort()).toEqual(['mine', 'pulled']);
      } else expect(names).toEqual(['mine']);
    }
    // The pull did land during the edit's awaits in some rounds; otherwise this proves nothing.
    expect(landedBetween).toBeGreaterThan(0);
  });
});
