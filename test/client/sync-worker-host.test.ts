import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { fixedNetworkCost } from '../../src-main/core/attachments/network-cost';
import { KeytarSecretStore } from '../../src-main/core/secrets/keytar-secret-store';
import { ClientCore } from '../../src-main/core/session/client-core';
import { SyncWorkerHost } from '../../src-main/core/sync/sync-worker-host';
import { startTestServer, type TestServer } from '../support/test-server';

describe('the sync worker thread, as the desktop app runs it', () => {
  let t: TestServer;
  let profileDir: string;
  let core: ClientCore;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 20 });
    profileDir = mkdtempSync(join(tmpdir(), 'fieldline-profile-'));
    core = new ClientCore({ profileDir, secrets: new KeytarSecretStore(`FieldlineTest-${uuidv7()}`), syncInWorkerThread: true, networkCost: fixedNetworkCost('unmetered') });
  });
  afterEach(async () => {
    await core.close();
    rmSync(profileDir, { recursive: true, force: true });
    await t.stop();
  });

  it('syncs, and when the thread dies the badge says so while edits are still saved', async () => {
    const session = await core.signIn(t.url, 'tech1', demoPassword);
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
