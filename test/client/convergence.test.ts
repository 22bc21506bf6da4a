import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema, type WorkOrder } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { makeOp, push } from '../support/sync-helpers';
import { workOrderCreatePatch } from '../support/work-order-patch';

describe('two devices and the office on one work order', () => {
  let t: TestServer;
  let a: TestClient;
  let b: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 60 });
    a = createTestClient(t.clock);
    b = createTestClient(t.clock);
  });
  afterEach(async () => {
    await a.dispose();
    await b.dispose();
    await t.stop();
  });

  async function serverRecord(id: string): Promise<{ wo: WorkOrder; version: number }> {
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
    return { wo: workOrderSchema.parse(JSON.parse(row.data)), version: row.version };
  }

  it('every conflict kind ends as policy says and all three converge to the same record', async () => {
    // The same technician on two devices (laptop and a spare), both offline after a first sync.
    const sa = await a.core.signIn(t.url, 'tech1', demoPassword);
    const sb = await b.core.signIn(t.url, 'tech1', demoPassword);
    await sa.engine.sync('start');
    await sb.engine.sync('start');
    const { items } = await sa.queries.list({ statuses: ['in-progress'], limit: 5 });
    const target = items[0];
    if (!target) throw new Error('no in-progress work order');
    const id = target.id;
    const start = (await sa.queries.get(id)).workOrder;
    const task = start.tasks.find((x) => !x.done) ?? start.tasks[0];
    const partId = (await sa.queries.get(id)).siteParts[0]?.id;
    if (!task || !partId) throw new Error('work order without tasks or site parts');

    // Device A: completes, notes, a part, a tag, a task.
    await sa.workOrders.setTaskDone({ workOrderId: id, taskId: task.id, done: true });
    await sa.workOrders.addPartUsed({ workOrderId: id, partId, quantity: 2 });
    await sa.workOrders.editNotes({ workOrderId: id, completionNotes: 'A: replaced the seal' });
    await sa.workOrders.changeStatus({ workOrderId: id, status: 'completed' });
    // Device B: a measurement, other notes, a labor record.
    await sb.workOrders.recordMeasurement({ workOrderId: id, name: 'Pressure', value: 4.2, unit: 'bar' });
    await sb.workOrders.editNotes({ workOrderId: id, completionNotes: 'B: seal looked fine' });
    await sb.workOrders.addLabor({ workOrderId: id, start: '2026-11-02T07:00:00.000Z', end: '2026-11-02T08:00:00.000Z', minutes: 60, note: '' });
    // The office: reschedules and tags.
    const office = await t.login('super1');
    const before = await serverRecord(id);
    await push(t.url, office.accessToken, [
      makeOp('workOrder', id, 'update', { scheduledEnd: { base: before.wo.scheduledEnd, value: '2026-12-24T16:00:00.000Z' }, tags: { base: before.wo.tags, value: [...before.wo.tags, 'office-review'] } }, before.version),
    ]);

    expect((await sa.engine.sync('manual')).ok).toBe(true);
    expect((await sb.engine.sync('manual')).ok).toBe(true);
    // B's notes collided with A's: manual, on the server and on device B.
    const conflictsB = await sb.conflicts.list('open');
    expect(conflictsB.map((c) => c.fields.map((f) => `${f.field}:${f.outcome}`))).toEqual([['completionNotes:manual']]);
    const serverConflicts = await t.server.db.selectFrom('conflicts').select(['kind', 'status', 'fields']).where('record_id', '=', id).execute();
    expect(serverConflicts.some((c) => c.status === 'open')).toBe(true);
    // The technician on B keeps B's text; that decision closes the server's conflict too.
    const open = conflictsB[0];
    if (!open) throw new Error('no conflict');
    await sb.conflicts.resolve(open.id, { choice: 'local' });
    expect((await sb.engine.sync('manual')).ok).toBe(true);
    expect((await sa.engine.sync('manual')).ok).toBe(true);
    expect((await sb.engine.sync('manual')).ok).toBe(true);

    const server = await serverRecord(id);
    const onA = (await sa.queries.get(id)).workOrder;
    const onB = (await sb.queries.get(id)).workOrder;
    expect(onA).toEqual(server.wo);
    expect(onB).toEqual(server.wo);
    expect(server.wo.status).toBe('completed'); // completion beats in-progress
    expect(server.wo.completionNotes).toBe('B: seal looked fine'); // manual, decided by a person
    expect(server.wo.scheduledEnd).toBe('2026-12-24T16:00:00.000Z'); // office planning
    expect(server.wo.tags).toContain('office-review'); // union
    expect(server.wo.partsUsed.filter((p) => p.partId === partId && p.quantity === 2)).toHaveLength(1); // merge-by-key, once
    expect(server.wo.measurements.filter((m) => m.name === 'Pressure')).toHaveLength(1);
    expect(server.wo.laborRecords.filter((l) => l.start === '2026-11-02T07:00:00.000Z')).toHaveLength(1);
    expect(server.wo.tasks.find((x) => x.id === task.id)?.done).toBe(true);
    const stillOpen = await t.server.db.selectFrom('conflicts').select('id').where('record_id', '=', id).where('status', '=', 'open').execute();
    expect(stillOpen).toEqual([]);
    expect(await sa.outbox.list()).toEqual([]);
    expect(await sb.outbox.list()).toEqual([]);
  });

  it('update-delete and create-create reach the device as conflicts it can settle', async () => {
    const sa = await a.core.signIn(t.url, 'tech1', demoPassword);
    await sa.engine.sync('start');
    const { items } = await sa.queries.list({ statuses: ['assigned', 'in-progress'], limit: 5 });
    const [doomed] = items;
    if (!doomed) throw new Error('no work order');
    const detail = await sa.queries.get(doomed.id);
    await sa.workOrders.recordMeasurement({ workOrderId: doomed.id, name: 'Flow', value: 12, unit: 'l/min' });
    const office = await t.login('super1');
    const current = await serverRecord(doomed.id);
    await push(t.url, office.accessToken, [makeOp('workOrder', doomed.id, 'delete', {}, current.version)]);
    // The office also logs an emergency on the asset that the technician logs offline too.
    const assetId = detail.workOrder.assetId;
    const siteId = detail.workOrder.siteId;
    const officeEmergency = await push(t.url, office.accessToken, [
      makeOp(
        'workOrder',
        '01a20199-0000-7000-8000-000000000001',
        'create',
        workOrderCreatePatch({ siteId, assetId, type: 'emergency', title: 'Tripped and offline', description: 'reported by security', priority: 'critical', assignedTo: sa.info.userId }),
        0,
        1,
      ),
    ]);
    expect(officeEmergency.results[0]?.status).toBe('applied');
    const mine = await sa.workOrders.create({ siteId, assetId, type: 'emergency', title: 'Tripped and offline', priority: 'critical', tasks: ['Make safe'] });
    await sa.workOrders.recordMeasurement({ workOrderId: mine.id, name: 'Insulation', value: 0.2, unit: 'MΩ' });

    expect((await sa.engine.sync('manual')).ok).toBe(true);
    const open = await sa.conflicts.list('open');
    expect(open.map((c) => c.kind).sort()).toEqual(['update-delete']);
    // create-create was merged into the office's record: the device now knows it by the survivor's id.
    const survivor = await sa.queries.get('01a20199-0000-7000-8000-000000000001');
    expect(survivor.workOrder.measurements.map((m) => m.name)).toEqual(['Insulation']);
    expect(survivor.workOrder.tasks.map((x) => x.title)).toEqual(['Make safe']);
    await expect(sa.queries.get(mine.id)).rejects.toThrow(/not on this device/);
    // The deleted one: the technician accepts the office's delete.
    const [deleted] = open;
    if (!deleted) throw new Error('no conflict');
    await sa.conflicts.resolve(deleted.id, { choice: 'server' });
    await expect(sa.queries.get(doomed.id)).rejects.toThrow(/not on this device/);
    expect((await sa.engine.sync('manual')).ok).toBe(true);
    expect(await sa.outbox.list()).toEqual([]);
  });
});
