import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import fc from 'fast-check';
import { Kysely, SqliteDialect } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkOrder } from '../../src-shared/domain/entities';
import { openEncryptedStore, type OpenStore } from '../../src-main/core/store/open-store';
import type { ClientDatabase } from '../../src-main/core/store/client-schema';
import { migrateClientStore } from '../../src-main/core/store/client-migrations';
import { applyPlainChanges } from '../../src-main/core/sync/pulled-records';
import { writeLocalChange } from '../../src-main/core/outbox/local-writes';
import { WorkOrderQueries } from '../../src-main/core/work-orders/work-order-queries';
import { FakeClock } from '../support/fake-clock';

const siteId = uuidv7();
const userId = uuidv7();

function workOrder(number: string, title: string, description: string, status: WorkOrder['status'] = 'open'): WorkOrder {
  return {
    id: uuidv7(), number, siteId, assetId: null, type: 'corrective', title, description, priority: 'medium', status, assignedTo: null, createdBy: userId,
    createdAt: '2026-11-01T08:00:00.000Z', updatedAt: '2026-11-01T08:00:00.000Z', scheduledStart: null, scheduledEnd: null, actualStart: null, actualEnd: null,
    tasks: [], partsRequired: [], partsUsed: [], laborRecords: [], measurements: [], completionNotes: null, rootCause: null, tags: [], categories: [],
  };
}

let dir: string;
let store: OpenStore;
let queries: WorkOrderQueries;
const pump = workOrder('WO-000123', 'Replace pump seal', 'Leaks at the gland');
const chiller = workOrder('WO-004567', 'Chiller service', 'Clean the condenser coils', 'assigned');
const café = workOrder('WO-000089', 'Café fridge', 'Compressor noisy');

async function pulled(version: number, ...orders: WorkOrder[]) {
  await store.db.transaction().execute((trx) => applyPlainChanges(trx, orders.map((wo) => ({ entity: 'workOrder', id: wo.id, op: 'upsert', version, parsed: wo })), '2026-11-02T00:00:00.000Z'));
}
const found = async (search: string, statuses?: WorkOrder['status'][]) => {
  const { items, total } = await queries.list({ search, limit: 50, ...(statuses ? { statuses } : {}) });
  expect(total).toBe(items.length);
  return items.map((i) => i.number).sort();
};

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-search-'));
  store = await openEncryptedStore(join(dir, 'store.db'), randomBytes(32).toString('hex'));
  queries = new WorkOrderQueries(store.db);
  await pulled(1, pump, chiller, café);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('searching the work-order list (FTS5 in the encrypted store)', () => {
  it('finds words by their beginning, every word required, accents and case aside', async () => {
    expect(await found('pum')).toEqual(['WO-000123']);
    expect(await found('PUMP gland')).toEqual(['WO-000123']);
    expect(await found('pump condenser')).toEqual([]);
    expect(await found('cafe')).toEqual(['WO-000089']);
    expect(await found('c')).toEqual(['WO-000089', 'WO-004567']);
    expect(await found('ump')).toEqual([]);
  });

  it('finds a work order by its number as printed and by its digits without the zeros', async () => {
    expect(await found('WO-0045')).toEqual(['WO-004567']);
    expect(await found('123')).toEqual(['WO-000123']);
    expect(await found('4567')).toEqual(['WO-004567']);
  });

  it('combines with the filters, and a search without a word is no filter', async () => {
    expect(await found('c', ['assigned'])).toEqual(['WO-004567']);
    expect(await found('"*-')).toEqual(['WO-000089', 'WO-000123', 'WO-004567']);
  });

  it('follows every write: a local edit, a pulled update, a removal', async () => {
    await writeLocalChange(store.db, new FakeClock(Date.parse('2026-11-03T00:00:00Z')), { kind: 'update', entity: 'workOrder', id: pump.id, values: { title: 'Replace impeller' }, summary: 'title' });
    expect(await found('impeller')).toEqual(['WO-000123']);
    expect(await found('seal')).toEqual([]);
    await pulled(2, { ...chiller, description: 'Refrigerant top-up' });
    expect(await found('condenser')).toEqual([]);
    expect(await found('refrigerant')).toEqual(['WO-004567']);
    await store.db.transaction().execute((trx) => applyPlainChanges(trx, [{ entity: 'workOrder', id: café.id, op: 'delete', version: 2 }], '2026-11-04T00:00:00.000Z'));
    expect(await found('compressor')).toEqual([]);
    expect(await found('c')).toEqual(['WO-004567']);
    // Deleted here, not yet acknowledged: out of the list and out of its total.
    await writeLocalChange(store.db, new FakeClock(Date.parse('2026-11-05T00:00:00Z')), { kind: 'delete', entity: 'workOrder', id: chiller.id, summary: 'delete' });
    expect(await found('c')).toEqual([]);
    expect(await found('impeller')).toEqual(['WO-000123']);
  });

  it('answers any text a technician types without a query error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (search) => {
        const { items, total } = await queries.list({ search: search.trim() || 'x', limit: 5 });
        expect(items.length).toBeLessThanOrEqual(total);
      }),
      { numRuns: 200 },
    );
  });

  it('indexes what an older store held when it is upgraded, numbers included', async () => {
    const old = new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'old.db')) }) });
    await migrateClientStore(old, '0005_list_filters_from_index');
    await old
      .insertInto('records')
      .values({ entity: 'workOrder', id: pump.id, version: 1, data: JSON.stringify(pump), server_data: null, sync_state: 'synced', site_id: siteId, status: 'open', priority: 'medium', assigned_to: null, scheduled_end: null, work_order_id: null, search_text: 'wo-000123 replace pump seal leaks at the gland', pending_delete: 0, updated_at: '2026-11-02T00:00:00.000Z' })
      .execute();
    await migrateClientStore(old);
    queries = new WorkOrderQueries(old);
    expect(await found('seal')).toEqual(['WO-000123']);
    expect(await found('123')).toEqual(['WO-000123']);
    await old.destroy();
  });
});
