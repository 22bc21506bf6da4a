import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixedNetworkCost } from '../../src-main/core/attachments/network-cost';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { cameraPhoto } from '../support/photos';
import { makeOp, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/** A work order deleted on the server while its photo waits to upload does not take the photo with it. */
describe('a work order deleted on the server with a photo still on the laptop', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    device = createTestClient(t.clock, { networkCost: fixedNetworkCost('metered') });
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('stays on the laptop as a conflict a person decides, its photo kept and still waiting to upload', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    // A large photo waits for an unmetered network; its record reaches the server, its bytes do not.
    const photo = await session.attachments.add({ workOrderId: wo.id, kind: 'photo', fileName: 'evidence.jpg', contentBase64: (await cameraPhoto(2400, 1800)).toString('base64') });
    expect((await session.engine.sync('manual')).ok).toBe(true);
    await session.engine.uploadsIdle();
    expect((await session.attachmentFiles.uploads()).map((u) => u.attachmentId)).toEqual([photo.id]);

    // The office deletes the work order.
    const office = await t.login('super1');
    const row = await t.server.db.selectFrom('records').select('version').where('entity', '=', 'workOrder').where('id', '=', wo.id).executeTakeFirstOrThrow();
    const deleted = await push(t.url, office.accessToken, [makeOp('workOrder', wo.id, 'delete', {}, row.version)], 'desk');
    expect(deleted.results[0]?.status).toBe('applied');

    expect((await session.engine.sync('manual')).ok).toBe(true);
    // Kept, in conflict, with its photo still waiting to upload.
    expect((await session.queries.get(wo.id)).syncState).toBe('conflict');
    const [conflict] = await session.conflicts.list('open');
    expect(conflict).toMatchObject({ kind: 'update-delete', recordId: wo.id });
    expect((await session.attachmentFiles.uploads()).map((u) => u.attachmentId)).toEqual([photo.id]);
  });
});
