import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { dialects } from '../support/test-database';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { makeOp, pullAll, push, replica } from '../support/sync-helpers';

describe.each(dialects)('exactly-once push on %s', (dialect) => {
  let t: TestServer;
  // While set, the server commits a push and then drops the connection instead of answering.
  let dropPushResponses = false;
  beforeEach(async () => {
    dropPushResponses = false;
    t = await startTestServer(dialect, {
      extend: (app) =>
        app.addHook('onSend', async (request) => {
          if (dropPushResponses && request.url === '/api/v1/sync/push') request.raw.socket.destroy();
        }),
    });
  });
  afterEach(async () => t.stop());

  async function someWorkOrders(token: string, userId: string, n: number) {
    const { changes } = await pullAll(t.url, token);
    return [...replica(changes).values()]
      .filter((c) => c.entity === 'workOrder' && c.data?.assignedTo === userId && c.data?.status === 'in-progress')
      .slice(0, n)
      .map((c) => ({ wo: workOrderSchema.parse(c.data), version: c.version }));
  }

  async function changeRows(recordIds: string[]) {
    return t.server.db.selectFrom('changes').select(['record_id', 'version']).where('record_id', 'in', recordIds).execute();
  }

  it('the same batch sent twice changes each record once and answers duplicate the second time', async () => {
    const login = await t.login('tech1');
    const targets = await someWorkOrders(login.accessToken, login.user.id, 3);
    expect(targets.length).toBe(3);
    const ops = targets.map(({ wo, version }) =>
      makeOp('workOrder', wo.id, 'update', { laborRecords: { base: wo.laborRecords, value: [...wo.laborRecords, { id: `l-${wo.id}`, userId: login.user.id, start: '2026-11-02T08:00:00.000Z', end: null, minutes: 30, note: 'again?' }] } }, version),
    );
    const first = await push(t.url, login.accessToken, ops);
    expect(first.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
    const second = await push(t.url, login.accessToken, ops);
    expect(second.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(second.results.map((r) => r.replayOf)).toEqual(['applied', 'applied', 'applied']);
    expect(second.results.map((r) => r.version)).toEqual(first.results.map((r) => r.version));
    expect(second.server.head).toBe(first.server.head);
    const rows = await changeRows(targets.map((x) => x.wo.id));
    expect(rows.filter((r) => r.version > 1).length).toBe(3);
  });

  it('a response lost after commit, then a server crash: the retry is answered from the record, not applied again', async () => {
    const login = await t.login('tech1');
    const [target] = await someWorkOrders(login.accessToken, login.user.id, 1);
    if (!target) throw new Error('no work order');
    dropPushResponses = true;
    const op = makeOp('workOrder', target.wo.id, 'update', { measurements: { base: target.wo.measurements, value: [...target.wo.measurements, { id: 'm-lost', name: 'Current L1', value: 12.5, unit: 'A', recordedAt: '2026-11-02T08:00:00.000Z' }] } }, target.version);
    await expect(api(t.url, '/api/v1/sync/push', { token: login.accessToken, body: { deviceId: 'd1', ops: [op] } })).rejects.toThrow();
    await t.restart();
    const relogin = await t.login('tech1');
    const retry = await push(t.url, relogin.accessToken, [op], 'd1');
    expect(retry.results[0]).toMatchObject({ status: 'duplicate', replayOf: 'applied', version: target.version + 1 });
    const rows = await changeRows([target.wo.id]);
    expect(rows.filter((r) => r.version === target.version + 1)).toHaveLength(1);
    const record = await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', target.wo.id).executeTakeFirstOrThrow();
    expect(record.version).toBe(target.version + 1);
    expect(workOrderSchema.parse(JSON.parse(record.data)).measurements.filter((m) => m.id === 'm-lost')).toHaveLength(1);
  });
  it('an op whose every apply leaves a trace (a refused change kept for supervisors) is kept once, however often its lost answer is retried', async () => {
    const login = await t.login('tech1');
    const [target] = await someWorkOrders(login.accessToken, login.user.id, 1);
    if (!target) throw new Error('no work order');
    // Technicians do not plan: a new scheduled end is refused and kept as a refused change — a new
    // conflict row each time it is applied, so a replay applied again would show as a second one.
    const op = makeOp('workOrder', target.wo.id, 'update', { scheduledEnd: { base: target.wo.scheduledEnd, value: '2031-01-01T00:00:00.000Z' } }, target.version);
    dropPushResponses = true;
    await expect(api(t.url, '/api/v1/sync/push', { token: login.accessToken, body: { deviceId: 'd1', ops: [op] } })).rejects.toThrow();
    dropPushResponses = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const retry = await push(t.url, login.accessToken, [op], 'd1');
      expect(retry.results[0]).toMatchObject({ status: 'duplicate', replayOf: 'rejected' });
    }
    const kept = await t.server.db.selectFrom('conflicts').select('id').where('op_id', '=', op.opId).execute();
    expect(kept).toHaveLength(1);
  });

  it('a replay answers with the record as it is now; the recorded result does not keep the record', async () => {
    const tech = await t.login('tech1');
    const office = await t.login('super1');
    const [target, other] = await someWorkOrders(tech.accessToken, tech.user.id, 2);
    if (!target || !other) throw new Error('no work orders');
    const op = makeOp('workOrder', target.wo.id, 'update', { description: { base: target.wo.description, value: 'replayed later' } }, target.version);
    expect((await push(t.url, tech.accessToken, [op])).results[0]).toMatchObject({ status: 'applied', version: target.version + 1 });
    const stored = await t.server.db.selectFrom('applied_ops').select('result').where('op_id', '=', op.opId).executeTakeFirstOrThrow();
    expect(JSON.parse(stored.result)).not.toHaveProperty('record');
    // The office changes the same work order after the op was applied.
    const later = makeOp('workOrder', target.wo.id, 'update', { title: { base: target.wo.title, value: 'renamed by the office' } }, target.version + 1);
    expect((await push(t.url, office.accessToken, [later], 'office')).results[0]?.status).toBe('applied');
    const replay = (await push(t.url, tech.accessToken, [op])).results[0];
    expect(replay).toMatchObject({ status: 'duplicate', replayOf: 'applied', version: target.version + 2 });
    expect(replay?.record).toMatchObject({ description: 'replayed later', title: 'renamed by the office' });
    // A record deleted since is answered as deleted, so the device drops its copy.
    const edit = makeOp('workOrder', other.wo.id, 'update', { description: { base: other.wo.description, value: 'then deleted' } }, other.version);
    await push(t.url, tech.accessToken, [edit]);
    expect((await push(t.url, office.accessToken, [makeOp('workOrder', other.wo.id, 'delete', {}, other.version + 1)], 'office')).results[0]?.status).toBe('applied');
    const gone = (await push(t.url, tech.accessToken, [edit])).results[0];
    expect(gone).toMatchObject({ status: 'duplicate', replayOf: 'applied', deleted: true, version: other.version + 2 });
    expect(gone).not.toHaveProperty('record');
  });
});
