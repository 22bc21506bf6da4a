import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Q } from '@nozbe/watermelondb';
import { z } from 'zod';
import { workOrderSchema, type WorkOrder } from '../../src-shared/domain/entities';
import { conflictSchema } from '../../src-shared/protocol/conflicts';
import { dialects } from '../support/test-database';
import { makeOp, pullAll, push } from '../support/sync-helpers';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { startPhone, type Phone } from '../support/watermelon-phone';

/** Phones running WatermelonDB apps on the same server as the laptops. */
describe.each(dialects)('a WatermelonDB app on %s', (dialect) => {
  let t: TestServer;
  let tokens: Record<string, string>;
  const token = (user: string) => () => tokens[user] ?? '';
  beforeEach(async () => {
    t = await startTestServer(dialect, { workOrders: 40 });
    tokens = {};
    for (const user of ['tech1', 'super1']) tokens[user] = (await t.login(user)).accessToken;
  });
  afterEach(async () => t.stop());

  const serverWorkOrder = async (id: string): Promise<{ wo: WorkOrder; version: number }> => {
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('id', '=', id).executeTakeFirstOrThrow();
    return { wo: workOrderSchema.parse(JSON.parse(row.data)), version: row.version };
  };
  const phoneColumn = async (phone: Phone, id: string, column: string) => (await phone.database.get('work_orders').find(id))._getRaw(column);
  const setColumns = async (phone: Phone, table: string, id: string, values: Record<string, string | number | null>) => {
    await phone.database.write(async () => {
      const record = await phone.database.get(table).find(id);
      await record.update(() => {
        for (const [column, value] of Object.entries(values)) record._setRaw(column, value);
      });
    });
  };

  it('a first pull fills an empty database with the user’s scope, as raw records with snake_case columns', async () => {
    const phone = startPhone(t.url, token('tech1'), 'phone-1');
    await phone.sync();
    const laptopScope = (await pullAll(t.url, tokens.tech1 ?? '')).changes;
    const workOrders = await phone.database.get('work_orders').query().fetch();
    expect(workOrders.length).toBe(laptopScope.filter((c) => c.entity === 'workOrder').length);
    const first = workOrders[0];
    if (!first) throw new Error('work orders arrived');
    expect(first._getRaw('site_id')).toEqual(expect.any(String));
    expect(first._getRaw('tasks')).toMatch(/^\[/);
    expect(first._getRaw('server_version')).toEqual(expect.any(Number));
    expect(first._getRaw('updated_at')).toEqual(expect.any(Number));
    expect(await phone.database.get('parts').query().fetchCount()).toBe(laptopScope.filter((c) => c.entity === 'part').length);
  });

  it('pushes records it created (WatermelonDB ids), updated and deleted, each once even when the answer was lost', async () => {
    const phone = startPhone(t.url, token('tech1'), 'phone-2');
    await phone.sync();
    const [first] = await phone.database.get('work_orders').query(Q.where('status', 'in-progress')).fetch();
    if (!first) throw new Error('tech1 has work in progress');
    const siteId = String(first._getRaw('site_id'));
    let createdId = '';
    await phone.database.write(async () => {
      const created = await phone.database.get('work_orders').create((record) => {
        record._setRaw('site_id', siteId);
        record._setRaw('type', 'corrective');
        record._setRaw('title', 'Dripping valve seen on the walk round');
        record._setRaw('description', '');
        record._setRaw('priority', 'medium');
        record._setRaw('status', 'draft');
        record._setRaw('assigned_to', null);
        record._setRaw('tasks', '[]');
        record._setRaw('parts_required', '[]');
        record._setRaw('parts_used', '[]');
        record._setRaw('labor_records', '[]');
        record._setRaw('measurements', '[]');
        record._setRaw('tags', '[]');
        record._setRaw('categories', '[]');
      });
      createdId = created.id;
    });
    expect(createdId).toMatch(/^[A-Za-z0-9]{16}$/);
    await setColumns(phone, 'work_orders', first.id, { completion_notes: 'Gland packing tightened' });
    await phone.sync();
    expect((await serverWorkOrder(createdId)).wo).toMatchObject({ title: 'Dripping valve seen on the walk round', createdBy: expect.any(String), number: expect.stringMatching(/^WO-/) });
    const after = await serverWorkOrder(first.id);
    expect(after.wo.completionNotes).toBe('Gland packing tightened');

    // The phone deletes its draft; the server keeps a tombstone.
    await phone.database.write(async () => {
      await (await phone.database.get('work_orders').find(createdId)).markAsDeleted();
    });
    await phone.sync();
    expect(phone.lastPushAnswer).toMatchObject({ ok: true, refused: [] });
    expect((await t.server.db.selectFrom('records').select('deleted').where('id', '=', createdId).executeTakeFirstOrThrow()).deleted).toBe(1);

    // A push whose answer was lost is sent again as it was: nothing is applied twice.
    const lastPulledAt = Number((await t.server.db.selectFrom('change_head').select('seq').executeTakeFirstOrThrow()).seq);
    await api(t.url, `/api/v1/watermelon/sync?last_pulled_at=0&device_id=phone-2`, { token: tokens.tech1 });
    const changes = { work_orders: { created: [], updated: [{ id: first.id, _status: 'updated', _changed: 'completion_notes', completion_notes: 'Sent twice' }], deleted: [] } };
    const once = await api(t.url, `/api/v1/watermelon/sync?last_pulled_at=${lastPulledAt}&device_id=phone-2`, { token: tokens.tech1, body: changes });
    expect(once.status, JSON.stringify(once.body)).toBe(200);
    const versionAfterOnce = (await serverWorkOrder(first.id)).version;
    const twice = await api(t.url, `/api/v1/watermelon/sync?last_pulled_at=${lastPulledAt}&device_id=phone-2`, { token: tokens.tech1, body: changes });
    expect(twice.status).toBe(200);
    expect((await serverWorkOrder(first.id)).version).toBe(versionAfterOnce);
  });

  it('a phone and a laptop on the same work order get the laptop protocol’s decisions: a person decides the notes, both readings stay', async () => {
    const phone = startPhone(t.url, token('tech1'), 'phone-3');
    await phone.sync();
    const [target] = await phone.database.get('work_orders').query(Q.where('status', 'in-progress')).fetch();
    if (!target) throw new Error('tech1 has work in progress');
    const start = await serverWorkOrder(target.id);
    // The laptop writes first and syncs.
    const laptopReading = { id: 'm-laptop', name: 'Current L1', value: 12.5, unit: 'A', recordedAt: new Date(t.clock.now()).toISOString() };
    await push(t.url, tokens.tech1 ?? '', [makeOp('workOrder', target.id, 'update', { completionNotes: { base: start.wo.completionNotes, value: 'Laptop: bearing replaced' }, measurements: { base: start.wo.measurements, value: [...start.wo.measurements, laptopReading] } }, start.version)], 'laptop');
    // The phone, offline meanwhile, writes its own notes and reading from what it had.
    const phoneReading = { id: 'm-phone', name: 'Vibration', value: 2.1, unit: 'mm/s', recordedAt: new Date(t.clock.now()).toISOString() };
    await setColumns(phone, 'work_orders', target.id, { completion_notes: 'Phone: noisy bearing', measurements: JSON.stringify([...start.wo.measurements, phoneReading]) });
    await phone.sync();

    const end = await serverWorkOrder(target.id);
    expect(end.wo.measurements.map((m) => m.id)).toEqual(expect.arrayContaining(['m-laptop', 'm-phone']));
    // A person decides the notes: the server keeps its value until then, the supervisor sees both.
    expect(end.wo.completionNotes).toBe('Laptop: bearing replaced');
    const log = z.object({ conflicts: z.array(conflictSchema) }).parse((await api(t.url, '/api/v1/conflicts?status=open', { token: tokens.super1 })).body).conflicts;
    expect(log.find((c) => c.recordId === target.id)?.fields.find((f) => f.field === 'completionNotes')).toMatchObject({ local: 'Phone: noisy bearing', server: 'Laptop: bearing replaced' });
    // The phone's next sync brings the merged record.
    await phone.sync();
    expect(String(await phoneColumn(phone, target.id, 'measurements'))).toMatch(/m-laptop.*m-phone|m-phone.*m-laptop/);
  });

  it('planning fields are the office’s: a supervisor’s phone and the desk both change the priority, the desk’s stands', async () => {
    const phone = startPhone(t.url, token('super1'), 'phone-4');
    await phone.sync();
    const [target] = await phone.database.get('work_orders').query(Q.where('status', 'assigned')).fetch();
    if (!target) throw new Error('an assigned work order');
    const start = await serverWorkOrder(target.id);
    await push(t.url, tokens.super1 ?? '', [makeOp('workOrder', target.id, 'update', { priority: { base: start.wo.priority, value: 'critical' } }, start.version)], 'desk');
    await setColumns(phone, 'work_orders', target.id, { priority: start.wo.priority === 'low' ? 'medium' : 'low' });
    await phone.sync();
    expect((await serverWorkOrder(target.id)).wo.priority).toBe('critical');
  });

  it('a record the server refuses is reported and kept for the supervisors, and is not sent again and again', async () => {
    const phone = startPhone(t.url, token('tech1'), 'phone-5');
    await phone.sync();
    const [target] = await phone.database.get('work_orders').query(Q.where('status', 'in-progress')).fetch();
    if (!target) throw new Error('tech1 has work in progress');
    const before = await serverWorkOrder(target.id);
    // Technicians do not plan: the scheduled end is the office's.
    await setColumns(phone, 'work_orders', target.id, { scheduled_end: Date.parse('2030-01-01T00:00:00.000Z') });
    await phone.sync();
    expect(phone.lastPushAnswer).toMatchObject({ ok: true, refused: [{ error: { code: 'PERMISSION_DENIED' } }] });
    expect((await serverWorkOrder(target.id)).wo.scheduledEnd).toBe(before.wo.scheduledEnd);
    const log = z.object({ conflicts: z.array(conflictSchema) }).parse((await api(t.url, '/api/v1/conflicts?status=open', { token: tokens.super1 })).body).conflicts;
    expect(log.some((c) => c.recordId === target.id && c.kind === 'refused')).toBe(true);
    // The phone is in step again: its next sync pushes nothing.
    phone.lastPushAnswer = null;
    await phone.sync();
    expect(phone.lastPushAnswer).toBeNull();
  });
});
