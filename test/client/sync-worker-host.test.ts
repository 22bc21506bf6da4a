import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { SyncWorkerHost } from '../../src-main/core/sync/sync-worker-host';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

describe('the sync worker thread, as the desktop app runs it', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 20 });
    device = createTestClient(t.clock, { syncInWorkerThread: true });
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('syncs, and when the thread dies the badge says so while edits are still saved', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    const host = session.engine;
    if (!(host instanceof SyncWorkerHost)) throw new Error('expected the worker thread');
    expect((await host.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('no work order');

    // A crash (out of memory under its heap ceiling, a native fault): the thread is gone.
    await host['worker'].terminate();
    await expect.poll(() => host.status().state).toBe('failed');
    expect(host.status().lastError?.message).toMatch(/restart Fieldline/);
    await expect(host.sync('manual')).rejects.toThrow(/sync worker has stopped/);

    await session.workOrders.editNotes({ workOrderId: wo.id, description: 'Saved without the worker' });
    expect((await session.queries.get(wo.id)).workOrder.description).toBe('Saved without the worker');
    expect((await session.queue.list()).length).toBe(1);
  });
});
