import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { yieldCpuToInteractiveWork } from '../../src-main/core/sync/background-priority';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { SyncWorkerHost } from '../../src-main/core/sync/sync-worker-host';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/** A thread's nice value: field 19 of its /proc stat, counted after its name, which may hold spaces. */
const niceOf = (statPath: string) => {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};
const threadNiceValues = () => readdirSync('/proc/self/task').map((tid) => niceOf(`/proc/self/task/${tid}/stat`));

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
    expect((await session.outbox.list()).length).toBe(1);
  });

  it.runIf(process.platform === 'linux')('runs at a lower CPU priority than the thread that answers the technician', async () => {
    const before = threadNiceValues();
    expect(before.every((nice) => nice === 0)).toBe(true);
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);

    const during = threadNiceValues();
    expect(during.filter((nice) => nice === 10)).toHaveLength(1);
    expect(during.filter((nice) => nice !== 0 && nice !== 10)).toEqual([]);
    // This thread (the one that answers IPC in the app) keeps its priority.
    expect(niceOf('/proc/thread-self/stat')).toBe(0);
  });

  it('leaves the priority alone where a nice value would hold for the whole process', () => {
    expect(yieldCpuToInteractiveWork('win32')).toBe(false);
    expect(yieldCpuToInteractiveWork('darwin')).toBe(false);
    expect(threadNiceValues().every((nice) => nice === 0)).toBe(true);
  });
});
