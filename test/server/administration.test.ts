import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { assetSchema, partSchema, workOrderSchema } from '../../src-shared/domain/entities';
import { adminUserSchema, deviceSchema, importReportSchema } from '../../src-shared/protocol/admin';
import { tokenResponseSchema } from '../../src-shared/protocol/auth';
import { conflictSchema } from '../../src-shared/protocol/conflicts';
import { pushResponseSchema } from '../../src-shared/protocol/push';
import { createUser } from '../../src-server/auth/users';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { demoPeople } from '../support/demo-people';
import { dialects } from '../support/test-database';
import { makeOp, pullAll, push, replica } from '../support/sync-helpers';
import { api, startTestServer, type TestServer } from '../support/test-server';

describe.each(dialects)('administration on %s', (dialect) => {
  let t: TestServer;
  let adminToken: string;
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 30 });
    const { super1 } = await demoPeople(t);
    await createUser({ db: t.server.db, dialect: dialect === 'sqlite' ? 'sqlite' : 'postgres', clock: t.clock, hub: t.server.hub }, { username: 'it1', password: demoPassword, displayName: 'Ida IT', role: 'admin', siteIds: super1.siteIds });
    adminToken = (await t.login('it1')).accessToken;
  });
  afterEach(async () => t.stop());

  async function login(username: string, password = demoPassword, device?: { id: string; name: string }) {
    return api(t.url, '/api/v1/auth/login', { body: { username, password, ...(device ? { device } : {}) } });
  }
  const siteCodes = async () => {
    const rows = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'site').execute();
    return rows.map((r) => z.object({ id: z.string(), code: z.string() }).parse(JSON.parse(r.data)));
  };

  it('is for admins only: a supervisor and a technician are refused with PERMISSION_DENIED', async () => {
    for (const username of ['super1', 'tech1']) {
      const { accessToken } = await t.login(username);
      const answer = await api(t.url, '/api/v1/admin/users', { token: accessToken });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'PERMISSION_DENIED' });
    }
    const list = await api(t.url, '/api/v1/admin/users', { token: adminToken });
    expect(list.status).toBe(200);
    expect(z.object({ users: z.array(adminUserSchema) }).parse(list.body).users.map((u) => u.username)).toEqual(expect.arrayContaining(['it1', 'tech1', 'tech2', 'super1']));
  });

  it('creates a user who signs in, gives them a site whose records then reach their device, and refuses bad input', async () => {
    const [first, second] = await siteCodes();
    if (!first || !second) throw new Error('the demo has sites');
    const bad = await api(t.url, '/api/v1/admin/users', { token: adminToken, body: { username: 'tech9', displayName: 'Tia Nine', role: 'wizard', siteIds: [first.id], password: 'short' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_ERROR' });
    const made = await api(t.url, '/api/v1/admin/users', { token: adminToken, body: { username: 'tech9', displayName: 'Tia Nine', role: 'technician', siteIds: [first.id], password: 'a-long-password-9' } });
    expect(made.status).toBe(201);
    const taken = await api(t.url, '/api/v1/admin/users', { token: adminToken, body: { username: 'tech9', displayName: 'Other', role: 'technician', siteIds: [], password: 'a-long-password-9' } });
    expect(taken.status).toBe(400);
    const signedIn = tokenResponseSchema.parse((await login('tech9', 'a-long-password-9')).body);
    // A technician holds the parts stock of their sites.
    const partsAt = async (siteId: string) => [...replica((await pullAll(t.url, signedIn.accessToken)).changes).values()].filter((c) => c.entity === 'part' && partSchema.parse(c.data).siteId === siteId).length;
    expect(await partsAt(second.id)).toBe(0);
    const changed = await api(t.url, `/api/v1/admin/users/tech9`, { method: 'PATCH', token: adminToken, body: { siteIds: [first.id, second.id] } });
    expect(changed.status).toBe(200);
    expect(await partsAt(second.id)).toBeGreaterThan(0);
  });

  it('disabling a user ends their access at once: the access token, the refresh token and sign-in; enabling lets them in again', async () => {
    const signedIn = tokenResponseSchema.parse((await login('tech1')).body);
    expect((await api(t.url, '/api/v1/me', { token: signedIn.accessToken })).status).toBe(200);
    expect((await api(t.url, '/api/v1/admin/users/tech1/disable', { method: 'POST', token: adminToken })).status).toBe(204);
    const me = await api(t.url, '/api/v1/me', { token: signedIn.accessToken });
    expect(me.status).toBe(401);
    expect(me.body).toMatchObject({ code: 'AUTH_ERROR', message: expect.stringContaining('disabled') });
    expect((await api(t.url, '/api/v1/auth/refresh', { body: { refreshToken: signedIn.refreshToken } })).body).toMatchObject({ code: 'AUTH_ERROR', message: expect.stringContaining('disabled') });
    expect((await login('tech1')).status).toBe(401);
    expect((await api(t.url, '/api/v1/admin/users/tech1/enable', { method: 'POST', token: adminToken })).status).toBe(204);
    expect((await login('tech1')).status).toBe(200);
  });

  it('a password reset ends the sign-ins and only the new password works', async () => {
    const before = tokenResponseSchema.parse((await login('tech2')).body);
    expect((await api(t.url, '/api/v1/admin/users/tech2/password', { token: adminToken, body: { password: 'a-brand-new-secret' } })).status).toBe(204);
    expect((await api(t.url, '/api/v1/auth/refresh', { body: { refreshToken: before.refreshToken } })).status).toBe(401);
    expect((await login('tech2')).status).toBe(401);
    expect((await login('tech2', 'a-brand-new-secret')).status).toBe(200);
  });

  it('a revoked laptop is told DEVICE_REVOKED everywhere, and what it hands over waits for a supervisor, applied nowhere', async () => {
    const device = { id: uuidv7(), name: 'FIELD-LAPTOP-07' };
    const signedIn = tokenResponseSchema.parse((await login('tech1', demoPassword, device)).body);
    const listed = z.object({ devices: z.array(deviceSchema) }).parse((await api(t.url, '/api/v1/admin/devices', { token: adminToken })).body).devices;
    expect(listed.find((d) => d.deviceId === device.id)).toMatchObject({ name: 'FIELD-LAPTOP-07', userName: 'tech1', revokedAt: null });
    const renamed = await api(t.url, `/api/v1/admin/devices/${device.id}`, { method: 'PATCH', token: adminToken, body: { name: 'Alex’s Toughbook' } });
    expect(renamed.body).toMatchObject({ name: 'Alex’s Toughbook' });

    const wo = [...replica((await pullAll(t.url, signedIn.accessToken)).changes).values()].map((c) => workOrderSchema.safeParse(c.data)).flatMap((p) => (p.success ? [p.data] : []))[0];
    if (!wo) throw new Error('tech1 has work orders');
    const stored = await t.server.db.selectFrom('records').select('version').where('id', '=', wo.id).executeTakeFirstOrThrow();

    expect((await api(t.url, `/api/v1/admin/devices/${device.id}/revoke`, { token: adminToken, body: {} })).status).toBe(200);
    const pushed = await api(t.url, '/api/v1/sync/push', { token: signedIn.accessToken, body: { deviceId: device.id, ops: [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'written after the theft' } }, stored.version)] } });
    expect(pushed.status).toBe(403);
    expect(pushed.body).toMatchObject({ code: 'DEVICE_REVOKED' });
    expect((await api(t.url, '/api/v1/auth/refresh', { body: { refreshToken: signedIn.refreshToken } })).body).toMatchObject({ code: 'DEVICE_REVOKED' });
    expect((await login('tech1', demoPassword, device)).body).toMatchObject({ code: 'DEVICE_REVOKED' });
    // The technician on another laptop is not affected.
    expect((await login('tech1', demoPassword, { id: uuidv7(), name: 'SPARE-01' })).status).toBe(200);

    const op = makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'measured before the laptop was lost' } }, stored.version);
    const wrongCredential = await api(t.url, '/api/v1/sync/hand-over', { body: { refreshToken: (await t.login('tech1')).refreshToken, push: { deviceId: device.id, ops: [op] } } });
    expect(wrongCredential.status).toBe(401);
    const handedOver = await api(t.url, '/api/v1/sync/hand-over', { body: { refreshToken: signedIn.refreshToken, push: { deviceId: device.id, ops: [op] } } });
    expect(handedOver.status).toBe(200);
    const [result] = pushResponseSchema.parse(handedOver.body).results;
    expect(result).toMatchObject({ status: 'rejected', error: { code: 'DEVICE_REVOKED' } });
    expect(result?.escalation).toBeDefined();
    const after = await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', wo.id).executeTakeFirstOrThrow();
    expect(after.version).toBe(stored.version);
    expect(after.data).not.toContain('measured before the laptop was lost');
    const { accessToken: supervisor } = await t.login('super1');
    const conflicts = z.object({ conflicts: z.array(conflictSchema) }).parse((await api(t.url, '/api/v1/conflicts?status=open', { token: supervisor })).body).conflicts;
    expect(conflicts.find((c) => c.recordId === wo.id && c.kind === 'refused')?.fields.find((f) => f.field === 'description')?.local).toBe('measured before the laptop was lost');
    // Supervisors see the laptop by the name IT gave it, not its id.
    expect(conflicts.find((c) => c.recordId === wo.id && c.kind === 'refused')?.deviceName).toBe('Alex’s Toughbook');
    const afterHandOver = z.object({ devices: z.array(deviceSchema) }).parse((await api(t.url, '/api/v1/admin/devices', { token: adminToken })).body).devices;
    expect(afterHandOver.find((d) => d.deviceId === device.id)?.handedOverAt).not.toBeNull();
  });

  it('a CSV import reports every bad row by line in a dry run, writes nothing then, and a second run changes nothing', async () => {
    const [site] = await siteCodes();
    if (!site) throw new Error('the demo has sites');
    const csv = [
      'External ID,site,tag,name,manufacturer,status,building',
      `ERP-A1,${site.code},PUMP-900,Booster pump,Grundfos,,Plant room`,
      `ERP-A2,${site.code},PUMP-901,Spare pump,Wilo,broken,`,
      `ERP-A3,NOWHERE,PUMP-902,Lost pump,,,`,
      `ERP-A4,${site.code},,Nameless,,,`,
    ].join('\n');
    const csvPost = (dryRun: boolean, body: string) => api(t.url, `/api/v1/admin/import/assets?dryRun=${dryRun}`, { token: adminToken, rawBody: body, headers: { 'content-type': 'text/csv' } });
    const dry = importReportSchema.parse((await csvPost(true, csv)).body);
    expect(dry.counts).toEqual({ created: 1, updated: 0, unchanged: 0, invalid: 3 });
    expect(dry.rows.filter((r) => r.outcome === 'invalid').map((r) => [r.line, r.problems[0]?.field])).toEqual([
      [3, 'status'],
      [4, 'site'],
      [5, 'tag'],
    ]);
    expect(await t.server.db.selectFrom('external_ids').selectAll().execute()).toEqual([]);

    const good = csv.split('\n').slice(0, 2).join('\n');
    expect(importReportSchema.parse((await csvPost(false, good)).body).counts).toMatchObject({ created: 1 });
    const head = await t.server.db.selectFrom('change_head').select('seq').executeTakeFirstOrThrow();
    expect(importReportSchema.parse((await csvPost(false, good)).body).counts).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect((await t.server.db.selectFrom('change_head').select('seq').executeTakeFirstOrThrow()).seq).toBe(head.seq);
    const renamed = good.replace('Booster pump', 'Booster pump 2');
    expect(importReportSchema.parse((await csvPost(false, renamed)).body).counts).toMatchObject({ updated: 1 });

    // The site's supervisor's device receives the imported asset like any change.
    const { accessToken } = await t.login('super1');
    const assets = [...replica((await pullAll(t.url, accessToken)).changes).values()].filter((c) => c.entity === 'asset').map((c) => assetSchema.parse(c.data));
    expect(assets.find((a) => a.tag === 'PUMP-900')).toMatchObject({ name: 'Booster pump 2', location: { building: 'Plant room' } });
    expect((await csvPost(false, '"unterminated,quote\n')).body).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('CSV') });
  });

  it('the integration API upserts and reads by external id with its own revocable token, and reads completed work back by cursor', async () => {
    const { tech1 } = await demoPeople(t);
    const [site] = (await siteCodes()).filter((s) => tech1.siteIds.includes(s.id));
    if (!site) throw new Error('tech1 has a site');
    const made = z.object({ token: z.string() }).parse((await api(t.url, '/api/v1/admin/integration-tokens', { token: adminToken, body: { name: 'SAP PM' } })).body);
    // A user's access token is not an integration token, and the other way round.
    expect((await api(t.url, '/api/v1/integration/work-orders/PM-1', { token: adminToken })).status).toBe(401);
    expect((await api(t.url, '/api/v1/sync/pull', { token: made.token })).status).toBe(401);
    const cursor = Number((await t.server.db.selectFrom('change_head').select('seq').executeTakeFirstOrThrow()).seq);
    const row = { site: site.code, type: 'preventive', title: 'Annual inspection from SAP', assignedTo: 'tech1', tasks: 'Inspect;Sign off' };
    const put = await api(t.url, '/api/v1/integration/work-orders/PM-1', { method: 'PUT', token: made.token, body: row });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ outcome: 'created', record: { record: { status: 'assigned', title: 'Annual inspection from SAP' } } });
    expect((await api(t.url, '/api/v1/integration/work-orders/PM-1', { method: 'PUT', token: made.token, body: row })).body).toMatchObject({ outcome: 'unchanged' });
    const badRow = await api(t.url, '/api/v1/integration/work-orders/PM-2', { method: 'PUT', token: made.token, body: { ...row, assignedTo: 'nobody' } });
    expect(badRow.status).toBe(400);
    expect(badRow.body).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('assignedTo') });

    // The technician gets it, completes it; the ERP reads the completion back.
    const { accessToken } = await t.login('tech1');
    const mine = [...replica((await pullAll(t.url, accessToken)).changes).values()].map((c) => workOrderSchema.safeParse(c.data)).flatMap((p) => (p.success ? [p.data] : [])).find((w) => w.title === 'Annual inspection from SAP');
    if (!mine) throw new Error('the imported work order reached the technician');
    const version = (await t.server.db.selectFrom('records').select('version').where('id', '=', mine.id).executeTakeFirstOrThrow()).version;
    await push(t.url, accessToken, [makeOp('workOrder', mine.id, 'update', { status: { base: 'assigned', value: 'completed' }, completionNotes: { base: null, value: 'All good' } }, version)]);
    const changes = z.object({ changes: z.array(z.object({ externalId: z.string().nullable(), entity: z.string(), record: z.unknown() })), cursor: z.number() }).parse((await api(t.url, `/api/v1/integration/changes?after=${cursor}&entity=work-orders`, { token: made.token })).body);
    expect(changes.changes.filter((c) => c.externalId === 'PM-1').at(-1)?.record).toMatchObject({ status: 'completed', completionNotes: 'All good' });
    expect(changes.cursor).toBeGreaterThan(cursor);

    expect((await api(t.url, '/api/v1/admin/integration-tokens/SAP PM/revoke', { token: adminToken, body: {} })).status).toBe(200);
    expect((await api(t.url, '/api/v1/integration/work-orders/PM-1', { token: made.token })).body).toMatchObject({ code: 'AUTH_ERROR', message: expect.stringContaining('revoked') });
  });

  it('parts used on a work order take stock on the server, devices get the new figure, and below zero is kept, not refused', async () => {
    const { tech1 } = await demoPeople(t);
    const { accessToken } = await t.login('tech1');
    const records = [...replica((await pullAll(t.url, accessToken)).changes).values()];
    const part = records.map((c) => partSchema.safeParse(c.data)).flatMap((p) => (p.success ? [p.data] : [])).find((p) => tech1.siteIds.includes(p.siteId));
    const wo = records.map((c) => workOrderSchema.safeParse(c.data)).flatMap((p) => (p.success ? [p.data] : [])).find((w) => w.siteId === part?.siteId && w.status === 'in-progress' || w.siteId === part?.siteId && w.status === 'assigned');
    if (!part || !wo) throw new Error('tech1 has a part and a work order at one site');
    const stockNow = async () => partSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', part.id).executeTakeFirstOrThrow()).data)).quantityAvailable;
    const start = await stockNow();
    const version = async () => (await t.server.db.selectFrom('records').select('version').where('id', '=', wo.id).executeTakeFirstOrThrow()).version;
    const use = (quantity: number) => ({ id: `use-${quantity}`, partId: part.id, quantity, recordedAt: new Date(t.clock.now()).toISOString(), recordedBy: tech1.id });
    await push(t.url, accessToken, [makeOp('workOrder', wo.id, 'update', { partsUsed: { base: wo.partsUsed, value: [...wo.partsUsed, use(2)] } }, await version())]);
    expect(await stockNow()).toBe(start - 2);
    const pulled = [...replica((await pullAll(t.url, accessToken)).changes).values()].find((c) => c.id === part.id);
    expect(partSchema.parse(pulled?.data).quantityAvailable).toBe(start - 2);
    const many = use(start + 5);
    await push(t.url, accessToken, [makeOp('workOrder', wo.id, 'update', { partsUsed: { base: [...wo.partsUsed, use(2)], value: [...wo.partsUsed, use(2), many] } }, await version())]);
    expect(await stockNow()).toBe(-7);
    // Taking a use off gives its stock back.
    await push(t.url, accessToken, [makeOp('workOrder', wo.id, 'update', { partsUsed: { base: [...wo.partsUsed, use(2), many], value: [...wo.partsUsed, use(2)] } }, await version())]);
    expect(await stockNow()).toBe(start - 2);
  });
});
