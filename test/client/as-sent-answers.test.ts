import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { pushPending } from '../../src-main/core/sync/push-cycle';
import { pullAll } from '../../src-main/core/sync/pull-cycle';
import type { PushRequest, PushResult } from '../../src-shared/protocol/push';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { makeOp, push } from '../support/sync-helpers';
import { pullContextOf, pushContextOf } from '../support/sync-contexts';

/**
 * The device asks for as-sent answers: an update the server applied exactly as sent comes back
 * without its record, and the device settles on the record it rebuilds. Pushed here without the
 * pull that follows in a sync, so nothing but the push answer can put the server's record in place.
 */
describe('as-sent push answers', () => {
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

  /** Every push answer, as it came from the server; `beforeSettle` runs between the answer and its settling. */
  function watchAnswers(session: ActiveSession, beforeSettle?: () => Promise<void>, asked: PushRequest['answers'][] = []): PushResult[] {
    const answers: PushResult[] = [];
    const send = session.api.push.bind(session.api);
    session.api.push = async (token, request) => {
      asked.push(request.answers);
      const answered = await send(token, request);
      answers.push(...answered.body.results);
      await beforeSettle?.();
      return answered;
    };
    return answers;
  }

  async function storedAndServer(session: ActiveSession, id: string) {
    const stored = await session.store.db.selectFrom('records').select(['version', 'data', 'server_data', 'sync_state']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    const server = await t.server.db.selectFrom('records').select(['version', 'data']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    return { stored: { ...stored, data: JSON.parse(stored.data) }, server: { version: server.version, data: JSON.parse(server.data) } };
  }

  it('settles each edited work order on exactly the server’s record and version', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [notes, readings] = (await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 2 })).items;
    if (!notes || !readings) throw new Error('setup: too few work orders');
    t.clock.advance(60_000);
    await session.workOrders.editNotes({ workOrderId: notes.id, description: 'Seal replaced', completionNotes: 'Flange re-torqued' });
    await session.workOrders.recordMeasurement({ workOrderId: readings.id, name: 'inlet', value: 4.2, unit: 'bar' });
    await session.workOrders.recordMeasurement({ workOrderId: readings.id, name: 'outlet', value: 3.9, unit: 'bar' });
    const answers = watchAnswers(session);

    const outcome = await pushPending(pushContextOf(session, t.clock), () => undefined);

    expect(outcome.sent).toBe(2);
    expect(answers.map((a) => [a.status, a.record === undefined, a.asSent !== undefined])).toEqual([
      ['applied', true, true],
      ['applied', true, true],
    ]);
    for (const id of [notes.id, readings.id]) {
      const { stored, server } = await storedAndServer(session, id);
      expect(stored).toEqual({ version: server.version, data: server.data, server_data: null, sync_state: 'synced' });
    }
    expect(await session.outbox.list()).toEqual([]);
  });

  it('asks for them only once its server has named the feature in a pull', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [wo] = (await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('setup: no work order');
    // As a device knows a server that predates the feature: its pages named none.
    await session.store.db.updateTable('sync_state').set({ value: '[]' }).where('key', '=', 'server_features').execute();
    await session.workOrders.editNotes({ workOrderId: wo.id, description: 'First visit' });
    const asked: PushRequest['answers'][] = [];
    const answers = watchAnswers(session, undefined, asked);
    await pushPending(pushContextOf(session, t.clock), () => undefined);
    expect(asked).toEqual(['records']);
    expect(answers[0]?.record).toMatchObject({ description: 'First visit' });

    // This server names it on its pull pages; the next push asks for as-sent answers.
    await pullAll(pullContextOf(session, t.clock), () => undefined);
    await session.workOrders.editNotes({ workOrderId: wo.id, description: 'Second visit' });
    await pushPending(pushContextOf(session, t.clock), () => undefined);
    expect(asked).toEqual(['records', 'as-sent']);
    expect(answers[1]?.asSent).toBeDefined();
    const { stored, server } = await storedAndServer(session, wo.id);
    expect(stored).toEqual({ version: server.version, data: server.data, server_data: null, sync_state: 'synced' });
  });

  it('a server that rejects them after naming them (restored from an older version) is asked for records at once', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [wo] = (await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('setup: no work order');
    await session.workOrders.editNotes({ workOrderId: wo.id, description: 'After the restore' });
    // What a server from before the feature answers: its request schema knows no `answers`.
    const asked: PushRequest['answers'][] = [];
    const send = session.api.push.bind(session.api);
    session.api.push = async (token, request) => {
      asked.push(request.answers);
      if (request.answers === 'as-sent') throw new FieldlineError('VALIDATION_ERROR', 'Invalid push request: (root): Unrecognized key: "answers"');
      return send(token, request);
    };

    const outcome = await pushPending(pushContextOf(session, t.clock), () => undefined);

    expect(asked).toEqual(['as-sent', 'records']);
    expect(outcome.sent).toBe(1);
    expect(await session.outbox.list()).toEqual([]);
    const { stored, server } = await storedAndServer(session, wo.id);
    expect(stored).toEqual({ version: server.version, data: server.data, server_data: null, sync_state: 'synced' });
    await session.workOrders.editNotes({ workOrderId: wo.id, description: 'Until a pull says otherwise' });
    await pushPending(pushContextOf(session, t.clock), () => undefined);
    expect(asked).toEqual(['as-sent', 'records', 'records']);
  });

  it('a record pulled at a newer version before the answer settles keeps that version', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [wo] = (await session.queries.list({ statuses: ['assigned', 'in-progress'], limit: 1 })).items;
    if (!wo) throw new Error('setup: no work order');
    await session.workOrders.editNotes({ workOrderId: wo.id, description: 'Bearing noisy' });
    const office = await t.login('super1');
    // Between the answer and its settling, the office edits the record again and the device pulls it.
    const answers = watchAnswers(session, async () => {
      const { server } = await storedAndServer(session, wo.id);
      await push(t.url, office.accessToken, [makeOp('workOrder', wo.id, 'update', { title: { base: server.data.title, value: 'Pump P-7 (office)' } }, server.version)]);
      await pullAll(pullContextOf(session, t.clock), () => undefined);
    });

    await pushPending(pushContextOf(session, t.clock), () => undefined);

    expect(answers[0]?.asSent).toBeDefined();
    const { stored, server } = await storedAndServer(session, wo.id);
    expect(server.data).toMatchObject({ description: 'Bearing noisy', title: 'Pump P-7 (office)' });
    expect(stored).toEqual({ version: server.version, data: server.data, server_data: null, sync_state: 'synced' });
  });
});
