import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkOrder } from '../../src-shared/domain/entities';
import type { WorkOrderListQuery } from '../../src-shared/domain/work-order-commands';
import { isOverdue } from '../../src-shared/domain/work-order-status';
import { openEncryptedStore, type OpenStore } from '../../src-main/core/store/open-store';
import type { ClientDatabase } from '../../src-main/core/store/client-schema';
import { applyPlainChanges } from '../../src-main/core/sync/pulled-records';
import { WorkOrderQueries } from '../../src-main/core/work-orders/work-order-queries';

const siteId = uuidv7();
const userId = uuidv7();

function workOrder(n: number, scheduledEnd: string | null, status: WorkOrder['status']): WorkOrder {
  return {
    id: uuidv7(), number: `WO-${String(n).padStart(6, '0')}`, siteId, assetId: null, type: 'corrective', title: n % 2 ? 'Pump seal' : 'Door closer', description: 'Found on the round',
    priority: 'medium', status, assignedTo: null, createdBy: userId, createdAt: '2026-11-01T08:00:00.000Z', updatedAt: '2026-11-01T08:00:00.000Z', scheduledStart: null, scheduledEnd,
    actualStart: null, actualEnd: null, tasks: [{ id: uuidv7(), title: 'Isolate', done: n % 3 === 0, doneAt: null, doneBy: null }], partsRequired: [], partsUsed: [], laborRecords: [],
    measurements: [], completionNotes: null, rootCause: null, tags: [], categories: [],
  };
}

// Arrive in no particular order of due date; 5 and 2 share one, 7 and 1 have none. Ids are
// uuidv7, made in this order.
const arrived = [
  workOrder(5, '2026-11-20T08:00:00.000Z', 'open'),
  workOrder(7, null, 'assigned'),
  workOrder(3, '2026-11-18T08:00:00.000Z', 'assigned'),
  workOrder(2, '2026-11-20T08:00:00.000Z', 'open'),
  workOrder(1, null, 'open'),
  workOrder(4, '2026-11-25T08:00:00.000Z', 'completed'),
];

let dir: string;
let store: OpenStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-list-order-'));
  store = await openEncryptedStore(join(dir, 'store.db'), randomBytes(32).toString('hex'));
  const changes = arrived.map((wo) => ({ entity: 'workOrder' as const, id: wo.id, op: 'upsert' as const, version: 1, parsed: wo }));
  await store.db.transaction().execute((trx) => applyPlainChanges(trx, changes, '2026-11-02T00:00:00.000Z'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store's list over a connection that records each statement it runs, with its parameters. */
function recordingQueries() {
  const statements: CompiledQuery[] = [];
  const db = new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: store.sqlite }), log: (event) => void statements.push(event.query) });
  return { queries: new WorkOrderQueries(db), statements };
}

describe('the work-order list order (records_due_order_idx)', () => {
  it('lists by due date, undated last, equal dates by id (time-ordered, so oldest first), page by page', async () => {
    const { queries } = recordingQueries();
    const numbers = async (query: WorkOrderListQuery) => (await queries.list(query)).items.map((i) => i.number);
    expect(await numbers({})).toEqual(['WO-000003', 'WO-000005', 'WO-000002', 'WO-000004', 'WO-000007', 'WO-000001']);
    const [third] = arrived.filter((wo) => wo.number === 'WO-000003');
    expect((await queries.list({ limit: 1 })).items).toEqual([
      { id: third?.id, number: 'WO-000003', title: 'Pump seal', status: 'assigned', priority: 'medium', type: 'corrective', siteId, assetId: null, assignedTo: null, scheduledEnd: '2026-11-18T08:00:00.000Z', tasksDone: 1, tasksTotal: 1, syncState: 'synced' },
    ]);
    expect([...(await numbers({ limit: 3 })), ...(await numbers({ limit: 3, offset: 3 }))]).toEqual(await numbers({}));
    expect(await numbers({ statuses: ['open'] })).toEqual(['WO-000005', 'WO-000002', 'WO-000001']);
    expect(await numbers({ search: 'pump' })).toEqual(['WO-000003', 'WO-000005', 'WO-000007', 'WO-000001']);
    expect(await numbers({ dueBefore: '2026-11-20T08:00:00.000Z' })).toEqual(['WO-000003', 'WO-000005', 'WO-000002']);
    // Overdue: unfinished and past the scheduled end (isOverdue), never the completed WO-000004.
    expect(await numbers({ overdueAt: '2026-11-20T08:00:00.001Z' })).toEqual(['WO-000003', 'WO-000005', 'WO-000002']);
    expect(await numbers({ overdueAt: '2026-11-20T08:00:00.000Z' })).toEqual(['WO-000003']);
    expect(await numbers({ overdueAt: '2026-12-01T00:00:00.000Z' })).toEqual(['WO-000003', 'WO-000005', 'WO-000002']);
    expect(await numbers({ overdueAt: '2026-12-01T00:00:00.000Z', statuses: ['open'] })).toEqual(['WO-000005', 'WO-000002']);
    expect(await numbers({ overdueAt: '2026-12-01T00:00:00.000Z', statuses: ['completed'] })).toEqual([]);
    for (const at of ['2026-11-01T00:00:00.000Z', '2026-11-19T00:00:00.000Z', '2026-11-26T00:00:00.000Z']) {
      const expected = arrived.filter((wo) => isOverdue(wo, Date.parse(at))).map((wo) => wo.number);
      expect((await numbers({ overdueAt: at })).toSorted()).toEqual(expected.toSorted());
    }
  });

  it('walks the index for every list and total: no statement sorts or reads the records table from end to end', async () => {
    const { queries, statements } = recordingQueries();
    const lists: WorkOrderListQuery[] = [{}, { statuses: ['open', 'assigned'] }, { siteId }, { priority: 'medium' }, { dueBefore: '2026-11-20T08:00:00.000Z' }, { overdueAt: '2026-11-21T00:00:00.000Z' }, { search: 'pump' }, { search: 'pump', statuses: ['open'] }];
    for (const query of lists) await queries.list(query);
    const plans = statements.map((s) => store.sqlite.prepare(`explain query plan ${s.sql}`).all(...s.parameters).map((row) => String((row as { detail: unknown }).detail)));
    expect(plans.length).toBeGreaterThanOrEqual(lists.length * 2);
    for (const plan of plans) {
      expect(plan.join(' | ')).not.toContain('TEMP B-TREE');
      for (const step of plan) expect(step).not.toBe('SCAN records');
    }
    expect(plans.flat().some((step) => step.includes('records_due_order_idx'))).toBe(true);
  });
});
