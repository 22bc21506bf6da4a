import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

const day = 24 * 3600 * 1000;

/** docs/keeping-work-safe.md: an expired or revoked sign-in is renewed by the same user, and nothing on the laptop is lost. */
describe('signing in again', () => {
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

  it('a laptop away longer than its sign-in lasts: the same technician signs in again and the week’s work goes out', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    // Five weeks offline, with work done; the refresh token (30 days) runs out.
    t.clock.advance(35 * day);
    await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Pressure', value: 4.2, unit: 'bar' });
    await session.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'Valve reseated after five weeks offline' });
    const expired = await session.engine.sync('manual');
    expect(expired.error?.code).toBe('AUTH_ERROR');
    expect(session.engine.status().state).toBe('signed-out');

    // Someone else cannot take the laptop over while the technician's work waits.
    const other = await device.core.signIn(t.url, 'tech2', demoPassword).catch((error: unknown) => error);
    expect(other).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('Alex Novak is signed in on this laptop with 1 change(s) not yet on the server') });

    const again = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect(again).toBe(session);
    expect((await again.outbox.list()).map((op) => op.summary)).toHaveLength(1);
    const synced = await again.engine.sync('manual');
    expect(synced).toMatchObject({ ok: true, refused: 0 });
    expect(await again.outbox.list()).toEqual([]);
    const row = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', '=', wo.id).executeTakeFirstOrThrow();
    const onServer = workOrderSchema.parse(JSON.parse(row.data));
    expect(onServer.completionNotes).toBe('Valve reseated after five weeks offline');
    expect(onServer.measurements.map((m) => m.name)).toContain('Pressure');
  });

  it('a wrong password changes nothing on the laptop', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    await session.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'kept' });
    await expect(device.core.signIn(t.url, 'tech1', 'wrong')).rejects.toMatchObject({ code: 'AUTH_ERROR' });
    expect(device.core.session).toBe(session);
    expect(await session.outbox.list()).toHaveLength(1);
  });

  it('refuses to send a password to a server over plain http unless it is this machine or IT allows it', async () => {
    await expect(device.core.signIn('http://sync.example.invalid:8787', 'tech1', demoPassword)).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('unencrypted') });
    expect(device.core.signedIn).toBe(false);
  });
});
