import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { unreadNotices } from '../../src-main/core/notices/notices';
import { backupDatabase, dialects } from '../support/test-database';
import { makeOp, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

const minute = 60 * 1000;

/**
 * docs/keeping-work-safe.md: a server restored from an older backup gets back, from the laptops, the changes it
 * had acknowledged and lost — through the normal conflict rules — before anything else is pushed;
 * and a laptop whose sign-in the restored server does not know signs in again, losing nothing.
 */
describe.each(dialects)('a server restored from a backup on %s', (dialect) => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 40 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  async function serverWorkOrder(id: string) {
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    return { wo: workOrderSchema.parse(JSON.parse(row.data)), version: row.version };
  }

  it('gets back what it had acknowledged, meets later office edits as conflicts, and the queue goes after', async () => {
    // IT's nightly backup, taken before this laptop first signed in.
    await t.pause();
    const backup = await backupDatabase(t.target);
    await t.resume();

    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [first, second] = (await session.queries.list({ statuses: ['in-progress', 'assigned'], limit: 2 })).items;
    if (!first || !second) throw new Error('setup');
    // Acknowledged by the server, then lost with the restore.
    await session.workOrders.recordMeasurement({ workOrderId: first.id, name: 'Lost in restore', value: 7.5, unit: 'bar' });
    await session.workOrders.editNotes({ workOrderId: first.id, completionNotes: 'Technician: impeller replaced' });
    expect((await session.engine.sync('manual')).ok).toBe(true);
    expect((await serverWorkOrder(first.id)).wo.measurements.map((m) => m.name)).toContain('Lost in restore');
    // Still queued when the server is restored.
    await session.workOrders.recordMeasurement({ workOrderId: second.id, name: 'Queued during restore', value: 2, unit: 'A' });

    // An hour later the server's disk fails and IT restores the backup.
    t.clock.advance(60 * minute);
    await t.pause();
    await backup.restore();
    await t.resume();
    expect((await serverWorkOrder(first.id)).wo.measurements.map((m) => m.name)).not.toContain('Lost in restore');
    // After the restore the office writes other notes on the same work order.
    const office = await t.login('super1');
    const restored = await serverWorkOrder(first.id);
    await push(t.url, office.accessToken, [makeOp('workOrder', first.id, 'update', { completionNotes: { base: restored.wo.completionNotes, value: 'Office: customer called' } }, restored.version)], 'desk');

    // The laptop's access token has run out meanwhile; the restored server does not know its refresh token.
    t.clock.advance(20 * minute);
    const signedOut = await session.engine.sync('manual');
    expect(signedOut.error?.code).toBe('AUTH_ERROR');
    await device.core.signIn(t.url, 'tech1', demoPassword);
    const result = await session.engine.sync('manual');
    expect(result.error).toBeNull();

    const after = await serverWorkOrder(first.id);
    expect(after.wo.measurements.map((m) => m.name)).toContain('Lost in restore');
    // The office's later text is not overwritten: the technician's meets it as a conflict.
    expect(after.wo.completionNotes).toBe('Office: customer called');
    const [conflict] = await session.conflicts.list('open');
    expect(conflict?.fields).toEqual([expect.objectContaining({ field: 'completionNotes', local: 'Technician: impeller replaced', server: 'Office: customer called' })]);
    expect((await serverWorkOrder(second.id)).wo.measurements.map((m) => m.name)).toContain('Queued during restore');
    expect(await session.outbox.list()).toEqual([]);
    const local = (await session.queries.get(first.id)).workOrder;
    expect(local.measurements.map((m) => m.name)).toContain('Lost in restore');
    const notices = (await unreadNotices(session.store.db)).map((n) => n.message).join('\n');
    expect(notices).toMatch(/restored from a backup: 1 change\(s\) it had lost were sent again from this laptop/);
  });

  it('a push into a restored server is refused before anything is applied', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    await t.pause();
    const backup = await backupDatabase(t.target);
    await t.resume();
    const [wo] = (await session.queries.list({ statuses: ['in-progress', 'assigned'], limit: 1 })).items;
    if (!wo) throw new Error('setup');
    await session.workOrders.setTaskDone({ workOrderId: wo.id, taskId: (await session.queries.get(wo.id)).workOrder.tasks[0]?.id ?? '', done: true });
    expect((await session.engine.sync('manual')).ok).toBe(true);
    await t.pause();
    await backup.restore();
    await t.resume();
    const head = async () => Number((await t.server.db.selectFrom('change_head').select('seq').executeTakeFirstOrThrow()).seq);
    const before = await head();
    const cursor = await session.store.db.selectFrom('sync_state').select('value').where('key', '=', 'cursor').executeTakeFirstOrThrow();
    const login = await t.login('tech1');
    const { wo: current, version } = await serverWorkOrder(wo.id);
    const refused = await fetch(`${t.url}/api/v1/sync/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.accessToken}` },
      body: JSON.stringify({ deviceId: 'test-device', cursor: cursor.value, ops: [makeOp('workOrder', wo.id, 'update', { description: { base: current.description, value: 'after restore' } }, version)] }),
    });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'VERSION_CONFLICT', details: { reason: 'history-diverged' } });
    expect(await head()).toBe(before);
  });
});
