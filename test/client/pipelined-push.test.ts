import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { PushRequest } from '../../src-shared/protocol/push';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/**
 * The push sends the next batch as soon as the previous one is answered, chosen while the server
 * was applying it. These tests drive small batches (2 ops) through the real server.
 */
describe('pipelined push batches', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 20 });
    device = createTestClient(t.clock, { maxOpsPerBatch: 2 });
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  /**
   * Queues six ops: a new work order (its readings coalesce into its create), a document on it
   * (which depends on that create), and edits on four work orders the server has.
   */
  async function queueWork(session: ActiveSession) {
    const existing = (await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 4 })).items;
    if (existing.length < 4) throw new Error('setup: too few work orders');
    const siteId = existing[0]?.siteId ?? '';
    const created = await session.workOrders.create({ siteId, assetId: null, type: 'corrective', title: 'Found on rounds', priority: 'medium' });
    const document = await session.attachments.add({ workOrderId: created.id, kind: 'document', fileName: 'note.txt', contentBase64: Buffer.from('Seal weeps at the flange.\n').toString('base64') });
    await session.workOrders.recordMeasurement({ workOrderId: created.id, name: 'first', value: 1, unit: 'bar' });
    await session.workOrders.recordMeasurement({ workOrderId: created.id, name: 'second', value: 2, unit: 'bar' });
    for (const [i, wo] of existing.entries()) await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: `reading ${i}`, value: i, unit: 'V' });
    const first = existing[0];
    if (!first) throw new Error('setup');
    await session.workOrders.editNotes({ workOrderId: first.id, description: 'Checked twice' });
    return { created, document, existing };
  }

  /** Records each push request as it goes out, and how many were on the wire at once. */
  function watchPushes(session: ActiveSession, beforeSend?: (call: number) => Promise<void>) {
    const seen = { batches: [] as PushRequest['ops'][], inFlight: 0, maxInFlight: 0 };
    const send = session.api.push.bind(session.api);
    session.api.push = async (token, request) => {
      seen.batches.push(request.ops);
      await beforeSend?.(seen.batches.length);
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      try {
        return await send(token, request);
      } finally {
        seen.inFlight--;
      }
    };
    return seen;
  }

  it('keeps one request on the wire, per-record order and dependencies, and converges', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const { created, document, existing } = await queueWork(session);
    const seen = watchPushes(session);

    const result = await session.engine.sync('manual');

    await session.engine.uploadsIdle();
    expect(result.error).toBeNull();
    expect(seen.batches.map((ops) => ops.length)).toEqual([2, 2, 2]);
    expect(seen.maxInFlight).toBe(1);
    // The document references the new work order: it goes in a batch after the work order's create.
    const batchOf = (entity: string, id: string, kind: string) => seen.batches.findIndex((ops) => ops.some((op) => op.entity === entity && op.id === id && op.kind === kind));
    expect(batchOf('attachment', document.id, 'create')).toBeGreaterThan(batchOf('workOrder', created.id, 'create'));
    expect(await session.outbox.list()).toEqual([]);
    const serverRecord = async (id: string) => workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow()).data));
    expect((await serverRecord(created.id)).measurements.map((m) => m.name)).toEqual(['first', 'second']);
    const serverDocument = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'attachment').where('id', '=', document.id).executeTakeFirstOrThrow();
    expect(JSON.parse(serverDocument.data)).toMatchObject({ workOrderId: created.id });
    for (const wo of existing) expect((await session.queries.get(wo.id)).workOrder).toEqual(await serverRecord(wo.id));
    expect((await serverRecord(existing[0]?.id ?? '')).description).toBe('Checked twice');
  });

  it('a connection lost between batches puts back the batch and the one chosen behind it, and the next cycle sends everything', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const { created, existing } = await queueWork(session);
    const queued = (await session.outbox.list()).length;
    // The server goes away just as the second batch leaves; the third is chosen by then.
    const seen = watchPushes(session, async (call) => {
      if (call === 2) await t.pause();
    });

    const failed = await session.engine.sync('manual');

    expect(failed.error?.code).toBe('NETWORK_ERROR');
    expect(seen.batches.length).toBe(2);
    const left = await session.store.db.selectFrom('outbox').select(['state', 'attempts']).execute();
    expect(left.length).toBe(queued - (seen.batches[0]?.length ?? 0));
    expect(left.every((op) => op.state === 'pending' && op.attempts === 0)).toBe(true);

    await t.resume();
    const retried = await session.engine.sync('manual');
    await session.engine.uploadsIdle();
    expect(retried.error).toBeNull();
    expect(await session.outbox.list()).toEqual([]);
    const serverData = async (id: string) => workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow()).data));
    expect((await serverData(created.id)).measurements.map((m) => m.name)).toEqual(['first', 'second']);
    for (const wo of existing) expect((await session.queries.get(wo.id)).workOrder).toEqual(await serverData(wo.id));
  });

  it('an emergency logged while a long push runs goes out in one of the next batches, not after the whole queue', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    await session.engine.sync('start');
    const workOrders = (await session.queries.list({ limit: 10 })).items;
    for (const [i, wo] of workOrders.entries()) await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: `round ${i}`, value: i, unit: 'V' });
    const emergency: { id?: string } = {};
    const seen = watchPushes(session, async (call) => {
      if (call === 2) emergency.id = (await session.workOrders.create({ siteId: workOrders[0]?.siteId ?? '', assetId: null, type: 'emergency', title: 'Gas smell in plant room', priority: 'critical' })).id;
    });

    const result = await session.engine.sync('manual');

    expect(result.error).toBeNull();
    expect(seen.batches.length).toBe(6);
    const batch = seen.batches.findIndex((ops) => ops.some((op) => op.id === emergency.id));
    expect(batch).toBeGreaterThanOrEqual(2);
    expect(batch).toBeLessThanOrEqual(3);
    expect(await session.outbox.list()).toEqual([]);
  });

  it('an op on a record created in the batch before waits until that create is settled here', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [existing] = (await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 1 })).items;
    if (!existing) throw new Error('setup');
    // Send order: the create and the edit (priority 5), then the document on the new work order (8).
    const created = await session.workOrders.create({ siteId: existing.siteId, assetId: null, type: 'corrective', title: 'Found on rounds', priority: 'medium' });
    await session.workOrders.recordMeasurement({ workOrderId: existing.id, name: 'reading', value: 1, unit: 'V' });
    const document = await session.attachments.add({ workOrderId: created.id, kind: 'document', fileName: 'note.txt', contentBase64: Buffer.from('Seal weeps.\n').toString('base64') });
    const versionAtSend: number[] = [];
    const seen = watchPushes(session, async () => {
      const row = await session.store.db.selectFrom('records').select('version').where('entity', '=', 'workOrder').where('id', '=', created.id).executeTakeFirstOrThrow();
      versionAtSend.push(row.version);
    });

    const result = await session.engine.sync('manual');
    await session.engine.uploadsIdle();

    expect(result.error).toBeNull();
    const withDocument = seen.batches.findIndex((ops) => ops.some((op) => op.id === document.id));
    expect(seen.batches.findIndex((ops) => ops.some((op) => op.id === created.id))).toBe(0);
    expect(withDocument).toBe(1);
    // Chosen while the create was in flight, it would have left before the create's answer was written.
    expect(versionAtSend[withDocument]).toBeGreaterThan(0);
    expect(await session.outbox.list()).toEqual([]);
  });

  it('a change made while an earlier one on the same work order is in flight goes out in its turn by priority once that one is settled', async () => {
    const session = await device.core.signIn(t.url, 'super1', demoPassword);
    await session.engine.sync('start');
    const [started] = (await session.queries.list({ statuses: ['in-progress'], limit: 1 })).items;
    if (!started) throw new Error('setup: no work order in progress');
    const others = (await session.queries.list({ statuses: ['open', 'assigned', 'in-progress', 'on-hold'], limit: 10 })).items.filter((wo) => wo.id !== started.id).slice(0, 9);
    if (others.length < 9) throw new Error('setup: too few open work orders');
    // Queued first, so the first batch carries it.
    await session.workOrders.recordMeasurement({ workOrderId: started.id, name: 'before completion', value: 1, unit: 'V' });
    for (const [i, wo] of others.entries()) await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: `round ${i}`, value: i, unit: 'V' });
    const seen = watchPushes(session, async (call) => {
      // Completion (priority 3) while the reading on the same work order is on the wire: a new op behind it.
      if (call === 1) await session.workOrders.changeStatus({ workOrderId: started.id, status: 'completed' });
    });

    const result = await session.engine.sync('manual');

    expect(result.error).toBeNull();
    expect(seen.batches.length).toBe(6);
    expect(seen.batches[0]?.some((op) => op.id === started.id)).toBe(true);
    // Batch 2 was chosen while batch 1 was in flight; batch 3, after it was settled, starts with the completion.
    expect(seen.batches[2]?.[0]).toMatchObject({ id: started.id, priority: 3 });
    expect(await session.outbox.list()).toEqual([]);
  });
});
