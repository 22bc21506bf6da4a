import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachmentMetaSchema, workOrderSchema } from '../../src-shared/domain/entities';
import { createUser } from '../../src-server/auth/users';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { demoPeople } from '../support/demo-people';
import { dialects } from '../support/test-database';
import { makeOp, pullAll, push, replica } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

/** Every write must be allowed for the record before and after it, for every entity. */
describe.each(dialects)('write access before and after a change on %s', (dialect) => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 60 });
  });
  afterEach(async () => t.stop());

  async function record(entity: 'workOrder' | 'attachment', id: string) {
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('entity', '=', entity).where('id', '=', id).executeTakeFirstOrThrow();
    return { data: JSON.parse(row.data) as unknown, version: row.version };
  }

  it('a supervisor of one site cannot move its work order to another site and give it to that site’s technician', async () => {
    const { tech1, tech2 } = await demoPeople(t);
    const north = tech1.siteIds.find((s) => !tech2.siteIds.includes(s));
    const airport = tech2.siteIds.find((s) => !tech1.siteIds.includes(s));
    if (!north || !airport) throw new Error('the demo has a site for each technician alone');
    await createUser({ db: t.server.db, dialect: dialect === 'sqlite' ? 'sqlite' : 'postgres', clock: t.clock, hub: t.server.hub }, { username: 'super-north', password: demoPassword, displayName: 'Nora North', role: 'supervisor', siteIds: [north] });
    const supervisor = await t.login('super-north');
    const { changes } = await pullAll(t.url, supervisor.accessToken);
    const wo = [...replica(changes).values()].map((c) => c.data).filter((d) => d !== undefined).map((d) => workOrderSchema.safeParse(d)).flatMap((p) => (p.success ? [p.data] : [])).find((w) => w.siteId === north);
    if (!wo) throw new Error('no work order at the north site');
    const before = await record('workOrder', wo.id);
    const answer = await push(t.url, supervisor.accessToken, [
      makeOp('workOrder', wo.id, 'update', { siteId: { base: wo.siteId, value: airport }, assignedTo: { base: wo.assignedTo, value: tech2.id }, description: { base: wo.description, value: 'moved away' } }, before.version),
    ], 'desk');
    const [result] = answer.results;
    // The move is refused; the description, which the supervisor may change, is applied.
    expect(result?.status).toBe('applied');
    expect(result?.error?.code).toBe('PERMISSION_DENIED');
    expect(result?.escalation?.fields.map((f) => f.field).sort()).toEqual(['assignedTo', 'siteId']);
    const after = workOrderSchema.parse((await record('workOrder', wo.id)).data);
    expect(after).toMatchObject({ siteId: wo.siteId, assignedTo: wo.assignedTo, description: 'moved away' });
    // tech2 never sees it.
    const tech2Login = await t.login('tech2');
    const theirs = replica((await pullAll(t.url, tech2Login.accessToken)).changes);
    expect(theirs.has(`workOrder/${wo.id}`)).toBe(false);
  });

  it('an attachment cannot be moved onto a work order its writer may not change', async () => {
    const tech1 = await t.login('tech1');
    const mine = [...replica((await pullAll(t.url, tech1.accessToken)).changes).values()].filter((c) => c.entity === 'workOrder' && c.data?.assignedTo === tech1.user.id);
    const own = mine[0];
    if (!own) throw new Error('no work order of tech1');
    const someoneElses = await t.server.db.selectFrom('records').select('id').where('entity', '=', 'workOrder').where('assigned_to', '!=', tech1.user.id).executeTakeFirstOrThrow();
    const attachmentId = crypto.randomUUID();
    const created = await push(t.url, tech1.accessToken, [
      makeOp('attachment', attachmentId, 'create', {
        workOrderId: { base: null, value: own.id },
        kind: { base: null, value: 'photo' },
        fileName: { base: null, value: 'pump.jpg' },
        mimeType: { base: null, value: 'image/jpeg' },
        size: { base: null, value: 1000 },
        sha256: { base: null, value: 'a'.repeat(64) },
        description: { base: null, value: '' },
        capturedAt: { base: null, value: '2026-11-02T08:00:00.000Z' },
        location: { base: null, value: null },
      }, 0),
    ], 'laptop');
    expect(created.results[0]?.status, JSON.stringify(created.results[0])).toBe('applied');
    const stored = await record('attachment', attachmentId);
    const moved = await push(t.url, tech1.accessToken, [makeOp('attachment', attachmentId, 'update', { workOrderId: { base: own.id, value: someoneElses.id } }, stored.version)], 'laptop');
    expect(moved.results[0]?.status).toBe('rejected');
    expect(moved.results[0]?.error?.code).toBe('PERMISSION_DENIED');
    expect(attachmentMetaSchema.parse((await record('attachment', attachmentId)).data).workOrderId).toBe(own.id);
  });
});
