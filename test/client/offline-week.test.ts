import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { demoPassword } from '../../src-server/demo/seed-demo';

describe('a technician offline for a week', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 80 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('works for 7 days without a server, then everything arrives once, in order, statuses right', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    const first = await session.engine.sync('start');
    expect(first.ok).toBe(true);
    const { items } = await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 50 });
    expect(items.length).toBeGreaterThan(4);
    const serverPort = new URL(t.url).port;
    await t.server.app.close(); // the network is gone

    const day = 24 * 3600 * 1000;
    const edited = items.slice(0, 5);
    const expected = new Map<string, { status: string; measurements: number; labor: number }>();
    for (let d = 0; d < 7; d++) {
      t.clock.advance(day);
      for (const [i, wo] of edited.entries()) {
        const detail = await session.queries.get(wo.id);
        const current = detail.workOrder;
        if (d === 0 && current.status === 'assigned') await session.workOrders.changeStatus({ workOrderId: wo.id, status: 'in-progress' });
        await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: `Day ${d + 1} reading`, value: d * 10 + i, unit: 'bar' });
        await session.workOrders.addLabor({ workOrderId: wo.id, start: new Date(t.clock.now() - 3600_000).toISOString(), end: new Date(t.clock.now()).toISOString(), minutes: 60, note: `day ${d + 1}` });
        const task = (await session.queries.get(wo.id)).workOrder.tasks.find((x) => !x.done);
        if (task) await session.workOrders.setTaskDone({ workOrderId: wo.id, taskId: task.id, done: true });
        if (d === 6 && i < 3) await session.workOrders.changeStatus({ workOrderId: wo.id, status: 'completed' });
        const after = (await session.queries.get(wo.id)).workOrder;
        expected.set(wo.id, { status: after.status, measurements: after.measurements.length, labor: after.laborRecords.length });
      }
      const offline = await session.engine.sync('periodic');
      expect(offline.ok).toBe(false);
      expect(offline.error?.code).toBe('NETWORK_ERROR');
      expect(session.engine.status().state).toBe('offline');
    }
    const queue = await session.outbox.list();
    expect(queue.length).toBe(edited.length); // coalesced: one op per record
    expect(queue.every((op) => op.attempts === 0)).toBe(true); // being offline does not fail ops
    expect(queue[0]?.priority).toBe(3); // completions first

    await t.restart();
    expect(new URL(t.url).port).toBe(serverPort);
    t.clock.advance(60_000);
    const back = await session.engine.sync('connectivity');
    expect(back.error).toBeNull();
    expect(back.ok).toBe(true);
    expect(await session.outbox.list()).toEqual([]);
    for (const [id, want] of expected) {
      const row = await t.server.db.selectFrom('records').select(['data']).where('id', '=', id).executeTakeFirstOrThrow();
      const server = workOrderSchema.parse(JSON.parse(row.data));
      expect(server.status).toBe(want.status);
      expect(server.measurements.length).toBe(want.measurements);
      expect(server.laborRecords.length).toBe(want.labor);
      const local = (await session.queries.get(id)).workOrder;
      expect(local).toEqual(server);
    }
    const applied = await t.server.db.selectFrom('applied_ops').select('op_id').execute();
    expect(applied.length).toBe(edited.length);
    expect(session.engine.status()).toMatchObject({ state: 'idle', queued: 0, failed: 0 });
  });
});
