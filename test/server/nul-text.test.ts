import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../src-shared/protocol/errors';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { dialects } from '../support/test-database';
import { makeOp, pullAll, replica } from '../support/sync-helpers';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/** Text the database cannot store (NUL, U+0000) is a 400 on every backend, decided by the shared schemas. */
describe.each(dialects)('the NUL character on %s', (dialect) => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 20 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  const expect400 = (response: { status: number; body: unknown }) => {
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    const envelope = errorEnvelopeSchema.parse(response.body);
    expect(envelope.code).toBe('VALIDATION_ERROR');
    expect(envelope.message).toContain('NUL');
  };

  it('in a login name, a device id or a work order’s title: 400 VALIDATION_ERROR, and nothing stored', async () => {
    expect400(await api(t.url, '/api/v1/auth/login', { body: { username: 'tech1\u0000', password: demoPassword } }));
    const login = await t.login('tech1');
    const wo = [...replica((await pullAll(t.url, login.accessToken)).changes).values()].find((c) => c.entity === 'workOrder');
    if (!wo?.data) throw new Error('no work order');
    const title = workOrderSchema.parse(wo.data).title;
    const op = makeOp('workOrder', wo.id, 'update', { title: { base: title, value: 'Pump\u0000 room' } }, wo.version);
    expect400(await api(t.url, '/api/v1/sync/push', { token: login.accessToken, body: { deviceId: 'laptop', ops: [op] } }));
    const fine = makeOp('workOrder', wo.id, 'update', { title: { base: title, value: 'Pump room' } }, wo.version);
    expect400(await api(t.url, '/api/v1/sync/push', { token: login.accessToken, body: { deviceId: 'lap\u0000top', ops: [fine] } }));
    const row = await t.server.db.selectFrom('records').select('data').where('id', '=', wo.id).executeTakeFirstOrThrow();
    expect(workOrderSchema.parse(JSON.parse(row.data)).title).toBe(title);
  });

  it('never enters a device’s queue; one already queued fails alone, kept with the reason, and the rest goes out', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [first, second] = (await session.queries.list({ statuses: ['in-progress', 'assigned'], limit: 2 })).items;
    if (!first || !second) throw new Error('setup');
    await expect(session.workOrders.editNotes({ workOrderId: first.id, completionNotes: 'bad\u0000text' })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await session.outbox.list()).toEqual([]);
    // As a version before this check would have queued it.
    await session.workOrders.editNotes({ workOrderId: first.id, completionNotes: 'placeholder' });
    await session.store.db.updateTable('outbox').set({ field_values: JSON.stringify({ completionNotes: 'bad\u0000text' }) }).where('record_id', '=', first.id).execute();
    await session.workOrders.editNotes({ workOrderId: second.id, completionNotes: 'Valve replaced' });
    const result = await session.engine.sync('manual');
    expect(result.ok).toBe(true);
    const queue = await session.outbox.list();
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ recordId: first.id, state: 'failed', lastError: { code: 'VALIDATION_ERROR' } });
    expect(queue[0]?.lastError?.message).toContain('NUL');
    const row = await t.server.db.selectFrom('records').select('data').where('id', '=', second.id).executeTakeFirstOrThrow();
    expect(workOrderSchema.parse(JSON.parse(row.data)).completionNotes).toBe('Valve replaced');
  });
});
