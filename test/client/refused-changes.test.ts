import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assetSchema, workOrderSchema, type User } from '../../src-shared/domain/entities';
import { conflictListResponseSchema, type Conflict } from '../../src-shared/protocol/conflicts';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { unreadNotices } from '../../src-main/core/notices/notices';
import { dialects } from '../support/test-database';
import { makeOp, push } from '../support/sync-helpers';
import { demoPeople } from '../support/demo-people';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/**
 * docs/keeping-work-safe.md: a change the server refuses is never deleted. It stays on the device, in words, and
 * reaches the site's supervisors as an escalation they apply or dismiss; a record that leaves the
 * laptop goes only once the technician's work on it is safe on the server.
 */
describe.each(dialects)('refused changes are never lost on %s', (dialect) => {
  let t: TestServer;
  let office: TestClient;
  let field: TestClient;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 60 });
    office = createTestClient(t.clock);
    field = createTestClient(t.clock);
  });
  afterEach(async () => {
    await office.dispose();
    await field.dispose();
    await t.stop();
  });


  async function serverRecord(entity: 'workOrder' | 'asset', id: string) {
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('entity', '=', entity).where('id', '=', id).executeTakeFirstOrThrow();
    return { data: JSON.parse(row.data) as Record<string, unknown>, version: row.version };
  }

  async function siteConflicts(token: string, query = ''): Promise<Conflict[]> {
    const response = await api(t.url, `/api/v1/conflicts${query}`, { token });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return conflictListResponseSchema.parse(response.body).conflicts;
  }

  /** A work order of tech1's at a site tech2 also works at, in progress, as tech1's laptop holds it. */
  async function sharedWorkOrder(laptop: ActiveSession, tech2: User) {
    const items = (await laptop.queries.list({ statuses: ['in-progress'], limit: 200 })).items;
    const wo = items.find((item) => tech2.siteIds.includes(item.siteId));
    if (!wo) throw new Error('no work order of tech1 at a site of tech2');
    return workOrderSchema.parse((await laptop.queries.get(wo.id)).workOrder);
  }

  it('reassigned while offline: the measurement, labor and notes reach the supervisors, the technician is told, and a supervisor applies them', async () => {
    const { tech2 } = await demoPeople(t);
    const laptop = await field.core.signIn(t.url, 'tech1', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    const wo = await sharedWorkOrder(laptop, tech2);

    // Offline (no sync): three entries on site.
    await laptop.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Current L1', value: 12.5, unit: 'A' });
    await laptop.workOrders.addLabor({ workOrderId: wo.id, start: '2026-11-02T08:00:00.000Z', end: '2026-11-02T08:45:00.000Z', minutes: 45, note: 'seal replaced' });
    await laptop.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'Pump seal was worn; replaced and tested.' });

    // Meanwhile the office gives the work order to tech2.
    const desk = await office.core.signIn(t.url, 'super1', demoPassword);
    expect((await desk.engine.sync('start')).ok).toBe(true);
    await desk.workOrders.assign({ workOrderId: wo.id, assignedTo: tech2.id });
    expect((await desk.engine.sync('manual')).ok).toBe(true);

    const result = await laptop.engine.sync('manual');
    expect(result.ok).toBe(true);
    expect(result.refused).toBe(1);

    // The technician is told, in words, what was handed over and to whom.
    const notices = await unreadNotices(laptop.store.db);
    expect(notices.map((n) => n.message).join('\n')).toMatch(/assigned to Sam Okafor.*Handed over: Measurements, labor records and completion notes/s);
    await expect(laptop.queries.get(wo.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // Every value entered is on the server, in the site's conflict log, beside the server's values.
    const supervisor = await t.login('super1');
    const escalations = (await siteConflicts(supervisor.accessToken, `?siteId=${wo.siteId}&status=open`)).filter((c) => c.kind === 'refused' && c.recordId === wo.id);
    expect(escalations).toHaveLength(1);
    const escalation = escalations[0];
    if (!escalation) throw new Error('no escalation');
    const kept = JSON.stringify(escalation.fields.map((f) => f.local));
    for (const entered of ['Current L1', '12.5', '"minutes":45', 'seal replaced', 'Pump seal was worn; replaced and tested.']) expect(kept).toContain(entered);
    expect(escalation.refusal).toMatchObject({ opKind: 'update', error: { code: 'PERMISSION_DENIED' } });

    // The supervisor applies them: they are the work order's now, for tech2 too.
    const applied = await api(t.url, `/api/v1/conflicts/${escalation.id}/resolve`, { token: supervisor.accessToken, body: { choice: 'local' } });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const after = workOrderSchema.parse((await serverRecord('workOrder', wo.id)).data);
    expect(after.assignedTo).toBe(tech2.id);
    expect(after.completionNotes).toBe('Pump seal was worn; replaced and tested.');
    expect(after.measurements.map((m) => m.name)).toContain('Current L1');
    expect(after.laborRecords.map((l) => l.minutes)).toContain(45);

    // The first decision stands: a second one is refused with who decided.
    const again = await api(t.url, `/api/v1/conflicts/${escalation.id}/resolve`, { token: supervisor.accessToken, body: { choice: 'server' } });
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('Maria Jensen decided this conflict first');
  });

  it('one field the technician may not change is refused alone; the rest of the same change is applied', async () => {
    const login = await t.login('tech1');
    const laptop = await field.core.signIn(t.url, 'tech1', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    const wo = (await laptop.queries.list({ statuses: ['in-progress'], limit: 1 })).items[0];
    if (!wo) throw new Error('no work order');
    const stored = await serverRecord('workOrder', wo.id);
    const before = { version: stored.version, data: workOrderSchema.parse(stored.data) };
    const answer = await push(t.url, login.accessToken, [
      makeOp('workOrder', wo.id, 'update', { completionNotes: { base: before.data.completionNotes, value: 'done' }, scheduledEnd: { base: before.data.scheduledEnd, value: '2030-01-01T00:00:00.000Z' } }, before.version),
    ], 'older-device', 'as-sent');
    const [result] = answer.results;
    expect(result?.status).toBe('applied');
    expect(result?.record).toMatchObject({ completionNotes: 'done', scheduledEnd: before.data.scheduledEnd });
    expect(result?.escalation?.fields.map((f) => f.field)).toEqual(['scheduledEnd']);
    expect(result?.escalation?.fields[0]?.local).toBe('2030-01-01T00:00:00.000Z');
    expect(result?.error?.code).toBe('PERMISSION_DENIED');
    const after = await serverRecord('workOrder', wo.id);
    expect(after.data).toMatchObject({ completionNotes: 'done', scheduledEnd: before.data.scheduledEnd });
  });

  it('a refused change stays on the laptop with its content and reason; retried once its cause is gone, it goes through and settles the escalation', async () => {
    const laptop = await field.core.signIn(t.url, 'tech1', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    const wo = (await laptop.queries.list({ statuses: ['in-progress'], limit: 200 })).items.find((item) => item.assetId !== null);
    if (!wo?.assetId) throw new Error('no work order with an asset');
    const assetId = wo.assetId;

    // The technician reports the asset failed, offline; meanwhile the office moves the asset to a
    // site the technician does not work at (the work order still points at it).
    await laptop.workOrders.setAssetStatus({ workOrderId: wo.id, status: 'failed' });
    const supervisor = await t.login('super1');
    const { tech1 } = await demoPeople(t);
    const elsewhere = supervisor.user.siteIds.find((s) => !tech1.siteIds.includes(s));
    if (!elsewhere) throw new Error('no site without tech1');
    const asset = await serverRecord('asset', assetId);
    const homeSite = assetSchema.parse(asset.data).siteId;
    await push(t.url, supervisor.accessToken, [makeOp('asset', assetId, 'update', { siteId: { base: homeSite, value: elsewhere } }, asset.version)], 'desk');

    const refused = await laptop.engine.sync('manual');
    expect(refused.refused).toBe(1);
    const [item] = await laptop.outbox.list();
    expect(item).toMatchObject({ state: 'refused', escalated: true, values: { status: 'failed' }, lastError: { code: 'PERMISSION_DENIED' } });
    expect(laptop.engine.status().failed).toBe(1);
    // Kept in the laptop's view of the asset, and at the server for the other site's supervisors.
    const escalation = (await siteConflicts(supervisor.accessToken, `?siteId=${elsewhere}`)).find((c) => c.kind === 'refused' && c.recordId === assetId);
    expect(escalation?.fields).toEqual([expect.objectContaining({ field: 'status', local: 'failed', server: 'operational' })]);
    expect(escalation?.status).toBe('open');

    // The office moves the asset back; the technician retries and the change goes through.
    const moved = await serverRecord('asset', assetId);
    await push(t.url, supervisor.accessToken, [makeOp('asset', assetId, 'update', { siteId: { base: elsewhere, value: homeSite } }, moved.version)], 'desk');
    await laptop.outbox.retry(item?.opId ?? '');
    const retried = await laptop.engine.sync('manual');
    expect(retried).toMatchObject({ ok: true, refused: 0 });
    expect(await laptop.outbox.list()).toEqual([]);
    expect(assetSchema.parse((await serverRecord('asset', assetId)).data).status).toBe('failed');
    const settled = (await siteConflicts(supervisor.accessToken, `?siteId=${elsewhere}`)).find((c) => c.id === escalation?.id);
    expect(settled?.status).toBe('resolved');
  });

  it('a refused change a supervisor dismisses stays on the laptop, saying who dismissed it; one applied leaves the queue', async () => {
    const laptop = await field.core.signIn(t.url, 'tech1', demoPassword);
    expect((await laptop.engine.sync('start')).ok).toBe(true);
    const withAssets = (await laptop.queries.list({ statuses: ['in-progress'], limit: 200 })).items.filter((item) => item.assetId !== null);
    const assetIds = [...new Set(withAssets.map((w) => w.assetId))].slice(0, 2);
    const [first, second] = assetIds.map((assetId) => withAssets.find((w) => w.assetId === assetId));
    if (!first?.assetId || !second?.assetId) throw new Error('need two work orders with different assets');
    await laptop.workOrders.setAssetStatus({ workOrderId: first.id, status: 'failed' });
    await laptop.workOrders.setAssetStatus({ workOrderId: second.id, status: 'degraded' });
    const supervisor = await t.login('super1');
    const { tech1 } = await demoPeople(t);
    const elsewhere = supervisor.user.siteIds.find((s) => !tech1.siteIds.includes(s)) ?? '';
    for (const assetId of [first.assetId, second.assetId]) {
      const asset = await serverRecord('asset', assetId);
      await push(t.url, supervisor.accessToken, [makeOp('asset', assetId, 'update', { siteId: { base: assetSchema.parse(asset.data).siteId, value: elsewhere } }, asset.version)], 'desk');
    }
    expect((await laptop.engine.sync('manual')).refused).toBe(2);
    const escalations = (await siteConflicts(supervisor.accessToken, `?siteId=${elsewhere}&status=open`)).filter((c) => c.kind === 'refused');
    const ofAsset = (id: string) => escalations.find((c) => c.recordId === id)?.id ?? '';
    const noField = await api(t.url, `/api/v1/conflicts/${ofAsset(first.assetId)}/resolve`, { token: supervisor.accessToken, body: { fields: { nothing: { choice: 'local' } } } });
    expect(noField.status).toBe(400);
    expect((await api(t.url, `/api/v1/conflicts/${ofAsset(first.assetId)}/resolve`, { token: supervisor.accessToken, body: { choice: 'server' } })).status).toBe(200);
    expect((await api(t.url, `/api/v1/conflicts/${ofAsset(second.assetId)}/resolve`, { token: supervisor.accessToken, body: { choice: 'local' } })).status).toBe(200);

    expect((await laptop.engine.sync('manual')).ok).toBe(true);
    const queue = await laptop.outbox.list();
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ recordId: first.assetId, state: 'refused', escalated: false, values: { status: 'failed' } });
    expect(queue[0]?.lastError?.message).toContain('Maria Jensen dismissed this change');
    const notices = (await unreadNotices(laptop.store.db)).map((n) => n.message);
    expect(notices.some((m) => m.startsWith('Maria Jensen applied your refused change'))).toBe(true);
    expect(notices.some((m) => m.startsWith('Maria Jensen dismissed your refused change'))).toBe(true);
  });
});
