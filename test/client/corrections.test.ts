import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { makeOp, push } from '../support/sync-helpers';

/** A technician corrects their readings and labor while the work is open. */
describe('corrections of measurements and labor', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('a reading outside its unit’s range is refused in words; a slip is corrected and reaches the server; a completed work order is kept as it was', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('tech1 has work in progress');
    await expect(session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Pressure', value: -99999, unit: 'bar' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: '-99999 bar cannot be a reading of pressure, bar: it lies between -1 and 1000 bar',
    });
    await expect(session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Pressure', value: 4, unit: 'bars' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Pressure', value: 42, unit: 'bar' });
    await session.workOrders.addLabor({ workOrderId: wo.id, start: new Date(t.clock.now() - 3600_000).toISOString(), end: new Date(t.clock.now()).toISOString(), minutes: 600 });
    const written = (await session.queries.get(wo.id)).workOrder;
    const reading = written.measurements.find((m) => m.value === 42);
    const labor = written.laborRecords.find((l) => l.minutes === 600);
    if (!reading || !labor) throw new Error('recorded');
    await session.workOrders.updateMeasurement({ workOrderId: wo.id, measurementId: reading.id, value: 4.2 });
    await session.workOrders.updateLabor({ workOrderId: wo.id, laborId: labor.id, minutes: 60, note: 'typed 600 by mistake' });
    expect((await session.engine.sync('manual')).ok).toBe(true);
    const server = workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', wo.id).executeTakeFirstOrThrow()).data));
    expect(server.measurements.find((m) => m.id === reading.id)).toMatchObject({ value: 4.2, unit: 'bar' });
    expect(server.laborRecords.find((l) => l.id === labor.id)).toMatchObject({ minutes: 60, note: 'typed 600 by mistake' });

    // Another person's labor is theirs to correct.
    const someoneElse = server.laborRecords.find((l) => l.userId !== session.info.userId);
    if (someoneElse) await expect(session.workOrders.removeLabor({ workOrderId: wo.id, laborId: someoneElse.id })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });

    await session.workOrders.removeMeasurement({ workOrderId: wo.id, measurementId: reading.id });
    expect((await session.queries.get(wo.id)).workOrder.measurements.some((m) => m.id === reading.id)).toBe(false);
    await session.workOrders.changeStatus({ workOrderId: wo.id, status: 'completed' });
    await expect(session.workOrders.removeLabor({ workOrderId: wo.id, laborId: labor.id })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('can no longer be changed') });
  });

  it('a work order with a required task open cannot be completed: refused on the laptop, and on the server for a device that tries anyway', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const candidates = (await session.queries.list({ statuses: ['in-progress', 'assigned'], limit: 100 })).items;
    let blocked: { id: string; number: string | null; title: string; status: string } | null = null;
    for (const item of candidates) {
      const wo = (await session.queries.get(item.id)).workOrder;
      const open = wo.tasks.find((task) => task.required && !task.done);
      if (open) {
        blocked = { id: wo.id, number: wo.number, title: open.title, status: wo.status };
        break;
      }
    }
    if (!blocked) throw new Error('the demo has work in progress with a required safety step open');
    await expect(session.workOrders.changeStatus({ workOrderId: blocked.id, status: 'completed' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: `${blocked.number} cannot be completed yet: a required task is not done (${blocked.title})`,
    });
    // A device that sends the completion anyway (an older client): the status is refused, the rest of its change applies.
    const { accessToken } = await t.login('tech1');
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('id', '=', blocked.id).executeTakeFirstOrThrow();
    const wo = workOrderSchema.parse(JSON.parse(row.data));
    const answer = await push(t.url, accessToken, [makeOp('workOrder', wo.id, 'update', { status: { base: wo.status, value: 'completed' }, completionNotes: { base: wo.completionNotes, value: 'Done, I think' } }, row.version)]);
    expect(answer.results[0]?.error).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('cannot be completed yet') });
    const after = workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', wo.id).executeTakeFirstOrThrow()).data));
    expect(after.status).toBe(blocked.status);
    expect(after.completionNotes).toBe('Done, I think');
  });

  it('an asset’s work orders are listed by the asset; tags set on site go out last and reach the server', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const all = (await session.queries.list({ limit: 500 })).items;
    const withAsset = all.find((wo) => wo.assetId !== null);
    if (!withAsset?.assetId) throw new Error('a work order on an asset');
    const onAsset = (await session.queries.list({ assetId: withAsset.assetId, limit: 500 })).items;
    expect(onAsset.map((wo) => wo.id).sort()).toEqual(all.filter((wo) => wo.assetId === withAsset.assetId).map((wo) => wo.id).sort());
    const written = await session.workOrders.setLabels({ workOrderId: withAsset.id, tags: ['needs-scaffold', 'needs-scaffold', 'night-shift'] });
    expect(written.priority).toBe(9);
    expect((await session.engine.sync('manual')).ok).toBe(true);
    const server = workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', withAsset.id).executeTakeFirstOrThrow()).data));
    expect(server.tags).toEqual(expect.arrayContaining(['needs-scaffold', 'night-shift']));
    // A scanner types the asset's tag: its work orders come up, whatever their text says.
    const asset = (await session.queries.get(withAsset.id)).asset;
    if (!asset) throw new Error('the asset is on the laptop');
    await session.workOrders.editNotes({ workOrderId: withAsset.id, description: 'Noise at start-up' });
    const retitled = (await session.queries.get(withAsset.id)).workOrder;
    expect(`${retitled.title} ${retitled.description}`.toLowerCase()).not.toContain(asset.tag.toLowerCase());
    const scanned = (await session.queries.list({ search: asset.tag.toLowerCase(), limit: 500 })).items;
    expect(scanned.map((wo) => wo.id)).toContain(withAsset.id);
  });
});
