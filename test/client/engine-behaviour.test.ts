import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { makeOp, push } from '../support/sync-helpers';

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the sync worker', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 60 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('pulls by itself when the server announces a change in its scope', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    session.engine.start();
    await until(async () => session.engine.status().lastSyncAt !== null && session.engine.status().state === 'idle');
    await until(async () => t.server.hub.size > 0);
    const [wo] = (await session.queries.list({ statuses: ['assigned'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('id', '=', wo.id).executeTakeFirstOrThrow();
    const server = workOrderSchema.parse(JSON.parse(row.data));
    const office = await t.login('super1');
    await push(t.url, office.accessToken, [makeOp('workOrder', wo.id, 'update', { description: { base: server.description, value: 'Bring the long ladder' } }, row.version)]);
    await until(async () => (await session.queries.get(wo.id)).workOrder.description === 'Bring the long ladder');
    // The cycle records its metrics when it ends, a moment after the record is written.
    const triggers = async () => (await session.store.db.selectFrom('sync_metrics').select(['trigger']).execute()).map((m) => m.trigger);
    await until(async () => (await triggers()).includes('notification'));
    expect(await triggers()).toContain('notification');
  });

  it('an op the server refuses waits for a person and blocks nothing else; losing access hands the record over with a notice', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const { items } = await session.queries.list({ statuses: ['assigned'], limit: 3 });
    const [bad, good, taken] = items;
    if (!bad || !good || !taken) throw new Error('setup');
    // A change the server refuses as invalid: written behind the state machine's back.
    await session.workOrders.editNotes({ workOrderId: bad.id, description: 'will be refused' });
    await session.store.db.updateTable('outbox').set({ field_values: JSON.stringify({ status: 'closed' }) }).where('record_id', '=', bad.id).execute();
    await session.workOrders.recordMeasurement({ workOrderId: good.id, name: 'Fine', value: 1, unit: 'V' });
    await session.workOrders.recordMeasurement({ workOrderId: taken.id, name: 'Too late', value: 1, unit: 'V' });
    // The office gives `taken` to another technician at a site tech1 does not work at.
    const office = await t.login('super1');
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('id', '=', taken.id).executeTakeFirstOrThrow();
    const tech2 = await t.login('tech2');
    const elsewhere = office.user.siteIds.find((s) => !session.info.siteIds.includes(s)) ?? '';
    const wo = workOrderSchema.parse(JSON.parse(row.data));
    await push(t.url, office.accessToken, [makeOp('workOrder', taken.id, 'update', { assignedTo: { base: wo.assignedTo, value: tech2.user.id }, siteId: { base: wo.siteId, value: elsewhere } }, row.version)]);

    const result = await session.engine.sync('manual');
    expect(result.ok).toBe(true);
    const queue = await session.outbox.list();
    expect(queue.map((op) => [op.recordId, op.state, op.lastError?.code, op.escalated])).toEqual([[bad.id, 'refused', 'VALIDATION_ERROR', true]]);
    expect((await session.queries.get(bad.id)).syncState).toBe('failed');
    const goodOnServer = workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', good.id).executeTakeFirstOrThrow()).data));
    expect(goodOnServer.measurements.map((m) => m.name)).toContain('Fine');
    await expect(session.queries.get(taken.id)).rejects.toThrow(/not on this device/);
    const notices = await session.store.db.selectFrom('notices').select('message').execute();
    // Its measurement went to the supervisors before it left (refused-changes.test.ts follows that through).
    expect(notices.some((n) => n.message.includes('is now assigned to Sam Okafor') && n.message.includes('Handed over: Measurements'))).toBe(true);
    expect(session.engine.status()).toMatchObject({ failed: 1, queued: 1 });
    // A person discards the refused change: the record returns to the server's state.
    await session.outbox.discard(queue[0]?.opId ?? '');
    expect((await session.queries.get(bad.id)).workOrder.description).not.toBe('will be refused');
    expect((await session.queries.get(bad.id)).syncState).toBe('synced');
  });
});
