import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { partSchema, workOrderSchema } from '../../src-shared/domain/entities';
import { tokenResponseSchema } from '../../src-shared/protocol/auth';
import { recordHistorySchema } from '../../src-shared/protocol/history';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { demoPeople } from '../support/demo-people';
import { dialects } from '../support/test-database';
import { makeOp, pullAll, push } from '../support/sync-helpers';
import { api, startTestServer, type TestServer } from '../support/test-server';

const day = 24 * 3600 * 1000;

/** Each work order's history: who changed which fields, when, from which laptop; kept as long as the record. */
describe.each(dialects)('record history on %s', (dialect) => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 30, retentionDays: 8 });
  });
  afterEach(async () => t.stop());

  it('names the technician and the laptop of each change, the server for stock it took, and outlives the pruned change log', async () => {
    const { tech1 } = await demoPeople(t);
    const device = { id: uuidv7(), name: 'TOUGHBOOK-7' };
    const signedIn = tokenResponseSchema.parse((await api(t.url, '/api/v1/auth/login', { body: { username: 'tech1', password: demoPassword, device } })).body);
    const records = (await pullAll(t.url, signedIn.accessToken)).changes;
    const part = records.map((c) => partSchema.safeParse(c.data)).flatMap((p) => (p.success ? [p.data] : [])).find((p) => tech1.siteIds.includes(p.siteId));
    const wo = records.map((c) => workOrderSchema.safeParse(c.data)).flatMap((p) => (p.success ? [p.data] : [])).find((w) => w.siteId === part?.siteId && w.status !== 'completed');
    if (!wo || !part) throw new Error('tech1 has a work order and a part at one site');
    const version = async () => (await t.server.db.selectFrom('records').select('version').where('id', '=', wo.id).executeTakeFirstOrThrow()).version;
    const use = { id: 'u-history', partId: part.id, quantity: 1, recordedAt: new Date(t.clock.now()).toISOString(), recordedBy: tech1.id };
    await push(t.url, signedIn.accessToken, [makeOp('workOrder', wo.id, 'update', { completionNotes: { base: wo.completionNotes, value: 'Seal replaced' }, partsUsed: { base: wo.partsUsed, value: [...wo.partsUsed, use] } }, await version())], device.id);

    const history = async (entity: string, id: string, token = signedIn.accessToken) => {
      const answer = await api(t.url, `/api/v1/records/${entity}/${id}/history`, { token });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return recordHistorySchema.parse(answer.body).entries;
    };
    const [latest] = await history('workOrder', wo.id);
    expect(latest).toMatchObject({ userName: 'Alex Novak', deviceName: 'TOUGHBOOK-7' });
    expect(latest?.fields.sort()).toEqual(['completionNotes', 'partsUsed']);
    const [stock] = await history('part', part.id);
    expect(stock).toMatchObject({ userName: null, deviceName: null, fields: ['quantityAvailable'] });

    // Another technician's devices do not hold it: no history either.
    const { accessToken: other } = await t.login('tech2');
    const refused = await api(t.url, `/api/v1/records/workOrder/${wo.id}/history`, { token: other });
    expect([403, 404]).toContain(refused.status);

    // Sixty days on, the change log is pruned; the history of the live record is not.
    t.clock.advance(60 * day);
    const swept = await t.server.sweepRetention?.();
    expect(swept?.removedChanges).toBeGreaterThan(0);
    const { accessToken } = await t.login('tech1');
    expect((await history('workOrder', wo.id, accessToken))[0]).toMatchObject({ userName: 'Alex Novak', deviceName: 'TOUGHBOOK-7' });
  });
});
