import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { SyncApi } from '../../src-main/core/sync/sync-api';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { demoPeople } from '../support/demo-people';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/** A supervisor plans who does what: assignment from the desk, checked on the device and on the server. */
describe('assigning work orders', () => {
  let t: TestServer;
  let office: TestClient;
  let field: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 60 });
    office = createTestClient(t.clock);
    field = createTestClient(t.clock);
  });
  afterEach(async () => {
    await office.dispose();
    await field.dispose();
    await t.stop();
  });

  async function serverWorkOrder(id: string) {
    const row = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    return workOrderSchema.parse(JSON.parse(row.data));
  }


  it('an open work order assigned from the desk reaches the technician as assigned; taking it back opens it again', async () => {
    const { tech2 } = await demoPeople(t);
    const desk = await office.core.signIn(t.url, 'super1', demoPassword);
    expect((await desk.engine.sync('start')).ok).toBe(true);
    const open = (await desk.queries.list({ statuses: ['open'], limit: 100 })).items.find((wo) => tech2.siteIds.includes(wo.siteId));
    if (!open) throw new Error('no open work order at a site of tech2');

    await desk.workOrders.assign({ workOrderId: open.id, assignedTo: tech2.id });
    expect((await desk.queries.get(open.id)).workOrder).toMatchObject({ assignedTo: tech2.id, status: 'assigned' });
    expect((await desk.outbox.list()).map((op) => op.summary)).toContain('Assigned to Sam Okafor');
    expect((await desk.engine.sync('manual')).ok).toBe(true);
    expect(await serverWorkOrder(open.id)).toMatchObject({ assignedTo: tech2.id, status: 'assigned' });

    const laptop = await field.core.signIn(t.url, 'tech2', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    expect((await laptop.queries.get(open.id)).workOrder.assignedTo).toBe(tech2.id);

    await desk.workOrders.assign({ workOrderId: open.id, assignedTo: null });
    expect((await desk.engine.sync('manual')).ok).toBe(true);
    expect(await serverWorkOrder(open.id)).toMatchObject({ assignedTo: null, status: 'open' });
    // The work order leaves the technician's scope, so their laptop lets it go.
    expect((await laptop.engine.sync('manual')).ok).toBe(true);
    await expect(laptop.queries.get(open.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a person who does not work at the site, and a technician who assigns, on the device and nothing is queued', async () => {
    const { tech1, tech2 } = await demoPeople(t);
    const desk = await office.core.signIn(t.url, 'super1', demoPassword);
    expect((await desk.engine.sync('start')).ok).toBe(true);
    const elsewhere = (await desk.queries.list({ limit: 100 })).items.find((wo) => !tech1.siteIds.includes(wo.siteId));
    if (!elsewhere) throw new Error('no work order outside the sites of tech1');
    const before = (await desk.queries.get(elsewhere.id)).workOrder;

    const refused = await desk.workOrders.assign({ workOrderId: elsewhere.id, assignedTo: tech1.id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FieldlineError);
    expect(refused).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('Alex Novak does not work at the site of') });
    expect((await desk.queries.get(elsewhere.id)).workOrder).toEqual(before);
    expect(await desk.outbox.list()).toEqual([]);

    const laptop = await field.core.signIn(t.url, 'tech2', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    const mine = (await laptop.queries.list({ limit: 1 })).items[0];
    if (!mine) throw new Error('tech2 has no work order');
    await expect(laptop.workOrders.assign({ workOrderId: mine.id, assignedTo: tech2.id })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await laptop.outbox.list()).toEqual([]);
  });

  it('the server refuses an assignment to someone who does not work at the site, whoever sends it, and changes nothing', async () => {
    const { tech1 } = await demoPeople(t);
    const api = new SyncApi(t.url);
    const { accessToken } = await api.login('super1', demoPassword);
    const row = await t.server.db
      .selectFrom('records')
      .select(['id', 'version', 'data', 'site_id'])
      .where('entity', '=', 'workOrder')
      .where('site_id', 'not in', tech1.siteIds)
      .executeTakeFirstOrThrow();
    const before = workOrderSchema.parse(JSON.parse(row.data));
    const answer = await api.push(accessToken, {
      deviceId: 'desk-tool',
      answers: 'records',
      ops: [{ opId: uuidv7(), entity: 'workOrder', id: row.id, kind: 'update', baseVersion: row.version, priority: 5, patch: { assignedTo: { base: before.assignedTo, value: tech1.id } } }],
    });
    expect(answer.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_ERROR', message: 'A work order can be assigned only to someone who works at its site' } });
    expect(await serverWorkOrder(row.id)).toEqual(before);
  });
});
