import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSchema, workOrderSchema, type User, type WorkOrder } from '../../src-shared/domain/entities';
import { entityNameSchema, fieldNamesOf, type EntityName } from '../../src-shared/domain/entity-registry';
import { naturalKeyOf } from '../../src-shared/domain/natural-keys';
import type { JsonRecord } from '../../src-shared/merge/merge-patch';
import { scopeColumnsOf, scopeFieldsOf, type RecordState } from '../../src-server/sync/record-state';
import { canWrite } from '../../src-server/sync/write-access';
import { makeOp, pullPage, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';
import { workOrderCreatePatch } from '../support/work-order-patch';
import { storableChar } from '../support/storable-text';

// On SQLite an update answered as sent is applied to the fields it names, the rest of the record
// left in the database (unit-of-work.ts, push-service.ts applyInPlace). It must store exactly what
// the whole record's path stores, and give way to that path whenever the answer needs the record.

const entities = entityNameSchema.options.filter((entity) => entity !== 'attachment');

describe('what an edit in place may leave unread', () => {
  const anyValue = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('site-a', 'site-b', 'user-a', 'emergency', 'corrective', 'draft', 'completed'), fc.constant(null), fc.array(fc.constantFrom('site-a', 'site-b'), { maxLength: 2 }));
  const anyUser = fc.record({ id: fc.constantFrom('user-a', 'user-b'), role: fc.constantFrom('technician' as const, 'supervisor' as const), siteIds: fc.subarray(['site-a', 'site-b']) });
  const anyRecord = fc.constantFrom(...entities).chain((entity) =>
    fc.record({ entity: fc.constant(entity), data: fc.record(Object.fromEntries(fieldNamesOf(entity).map((field) => [field, anyValue]))) }),
  );

  it('a change of a field outside scopeFieldsOf leaves scope columns, natural key and write access as they were, and access reads only scope fields', () => {
    fc.assert(
      fc.property(anyRecord, anyUser, anyValue, ({ entity, data }, user, value) => {
        const fullUser: User = { ...user, username: 'u', displayName: 'U' };
        const state = recordState(entity, data);
        const scopeOnly = recordState(entity, Object.fromEntries(scopeFieldsOf[entity].map((f) => [f, data[f] ?? null])));
        expect(canWrite(fullUser, scopeOnly, null)).toBe(canWrite(fullUser, state, null));
        for (const field of fieldNamesOf(entity).filter((f) => !scopeFieldsOf[entity].includes(f))) {
          const edited = recordState(entity, { ...data, [field]: value });
          expect(scopeColumnsOf(edited, null)).toEqual(scopeColumnsOf(state, null));
          expect(naturalKeyOf(entity, edited.data)).toBe(naturalKeyOf(entity, data));
          expect(canWrite(fullUser, edited, null)).toBe(canWrite(fullUser, state, null));
        }
      }),
      { numRuns: 500 },
    );
  });
});

function recordState(entity: EntityName, data: JsonRecord): RecordState {
  return { entity, id: 'r', version: 1, data, deleted: false, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };
}

describe('edits in place on SQLite', () => {
  let t: TestServer;
  let token: string;
  let tech: { token: string; user: User };
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    token = (await t.login('super1')).accessToken;
    const login = await t.login('tech1');
    tech = { token: login.accessToken, user: userSchema.parse(login.user) };
  });
  afterAll(async () => t.stop());

  const stored = (id: string) => t.server.db.selectFrom('records').select(['version', 'data', 'updated_at']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
  const workOrder = async (id: string) => {
    const row = await stored(id);
    return { version: row.version, wo: workOrderSchema.parse(JSON.parse(row.data)) };
  };
  const workOrderIds = async (where: (wo: WorkOrder) => boolean) => {
    const rows = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').execute();
    return rows.map((row) => workOrderSchema.parse(JSON.parse(row.data))).filter(where).map((wo) => wo.id);
  };
  const editOf = (wo: JsonRecord, values: JsonRecord) => Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { base: wo[field] ?? null, value }]));

  const text = fc.string({ unit: storableChar, maxLength: 40 });
  const label = fc.string({ unit: storableChar, minLength: 1, maxLength: 20 });
  const edit = fc.record(
    {
      description: text,
      completionNotes: fc.option(text),
      rootCause: fc.option(text),
      tags: fc.array(label, { maxLength: 4 }),
      categories: fc.array(label, { maxLength: 3 }),
      priority: fc.constantFrom('low', 'medium', 'high', 'critical'),
      actualStart: fc.option(fc.constant('2026-03-04T05:06:07.000Z')),
    },
    { requiredKeys: [] },
  );

  it('stores byte for byte what the whole record’s path stores, in ASCII, for any values of any plain fields', async () => {
    const [id] = await workOrderIds((wo) => wo.status === 'assigned');
    if (!id) throw new Error('demo data has no assigned work order');
    await fc.assert(
      fc.asyncProperty(edit, async (values) => {
        if (Object.keys(values).length === 0) return;
        const before = await stored(id);
        const { version, wo } = await workOrder(id);
        const patch = editOf(wo, values);
        const current: JsonRecord = wo;
        const changes = Object.entries(values).some(([field, value]) => JSON.stringify(current[field]) !== JSON.stringify(value));
        const inPlace = await push(t.url, token, [makeOp('workOrder', id, 'update', patch, version)], 'device-a', 'as-sent');
        const afterInPlace = await stored(id);
        // The same edit again, on the same stored record, through the path that reads it whole.
        await t.server.db.updateTable('records').set(before).where('entity', '=', 'workOrder').where('id', '=', id).execute();
        // The record's history goes back with it, as it would in a restore: the version is written anew.
        await t.server.db.deleteFrom('record_history').where('record_id', '=', id).where('version', '>', version).execute();
        const whole = await push(t.url, token, [makeOp('workOrder', id, 'update', patch, version)], 'device-b', 'records');
        const afterWhole = await stored(id);
        expect(afterInPlace).toEqual(afterWhole);
        expect(afterInPlace.data).toMatch(/^[\x20-\x7e]*$/);
        if (changes) {
          expect(inPlace.results[0]).toEqual({ opId: expect.any(String), status: 'applied', version: version + 1, asSent: { updatedAt: afterWhole.updated_at } });
          expect(whole.results[0]).toMatchObject({ status: 'applied', version: version + 1, record: JSON.parse(afterWhole.data) });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('gives way to the whole record when the answer needs it: a conflict, an older base version, an edit that changes nothing', async () => {
    const [a, b, c] = await workOrderIds((wo) => wo.status === 'in-progress' || wo.status === 'assigned');
    if (!a || !b || !c) throw new Error('demo data has too few open work orders');
    const office = await workOrder(a);
    await push(t.url, token, [makeOp('workOrder', a, 'update', editOf(office.wo, { description: 'office text', completionNotes: 'office notes' }), office.version)]);
    const conflicting = await push(t.url, token, [makeOp('workOrder', a, 'update', editOf(office.wo, { completionNotes: 'field notes' }), office.version)], 'device-a', 'as-sent');
    const afterA = await workOrder(a);
    expect(conflicting.results[0]).toMatchObject({ status: 'conflict', version: afterA.version, record: afterA.wo, conflict: { kind: 'update-update' } });
    expect(afterA.wo.completionNotes).toBe('office notes');

    const older = await workOrder(b);
    await push(t.url, token, [makeOp('workOrder', b, 'update', editOf(older.wo, { tags: ['office'] }), older.version)]);
    const late = await push(t.url, token, [makeOp('workOrder', b, 'update', editOf(older.wo, { description: 'late note' }), older.version)], 'device-a', 'as-sent');
    const afterB = await workOrder(b);
    expect(late.results[0]).toMatchObject({ status: 'applied', version: older.version + 2, record: afterB.wo });
    expect(afterB.wo).toMatchObject({ tags: ['office'], description: 'late note' });

    const same = await workOrder(c);
    const nothing = await push(t.url, token, [makeOp('workOrder', c, 'update', editOf(same.wo, { description: same.wo.description }), same.version)], 'device-a', 'as-sent');
    expect(nothing.results[0]).toMatchObject({ status: 'applied', version: same.version, record: same.wo });
    expect(await workOrder(c)).toEqual(same);
  });

  it('refuses what the whole record’s path refuses, and changes nothing', async () => {
    const [foreign] = await workOrderIds((wo) => tech.user.siteIds.includes(wo.siteId) && wo.assignedTo !== tech.user.id && wo.createdBy !== tech.user.id);
    const [own] = await workOrderIds((wo) => wo.assignedTo === tech.user.id);
    if (!foreign || !own) throw new Error('demo data lacks the work orders this test needs');
    const other = await workOrder(foreign);
    const mine = await workOrder(own);
    const answer = await push(
      t.url,
      tech.token,
      [
        makeOp('workOrder', foreign, 'update', editOf(other.wo, { description: 'not mine' }), other.version),
        // The office plans the priority, not the technician.
        makeOp('workOrder', own, 'update', editOf(mine.wo, { priority: mine.wo.priority === 'low' ? 'high' : 'low' }), mine.version),
      ],
      'device-a',
      'as-sent',
    );
    expect(answer.results.map((r) => r.error?.code)).toEqual(['PERMISSION_DENIED', 'PERMISSION_DENIED']);
    expect(await workOrder(foreign)).toEqual(other);
    expect(await workOrder(own)).toEqual(mine);
  });

  it('an edit in place and a create that turns out to be the same work order, in one batch, end as one record with both', async () => {
    const [id] = await workOrderIds((wo) => wo.assetId !== null && (wo.type === 'corrective' || wo.type === 'emergency') && !['completed', 'closed', 'cancelled'].includes(wo.status));
    if (!id) throw new Error('demo data has no open corrective work order');
    const { version, wo } = await workOrder(id);
    const { cursor } = await pullPage(t.url, token);
    const create = makeOp('workOrder', uuidv7(), 'create', workOrderCreatePatch({ siteId: wo.siteId, assetId: wo.assetId, type: wo.type, title: wo.title, tags: ['twin'] }), 0);
    const answer = await push(t.url, token, [makeOp('workOrder', id, 'update', editOf(wo, { rootCause: 'worn bearing' }), version), create], 'device-a', 'as-sent');
    expect(answer.results[0]).toMatchObject({ status: 'applied', version: version + 1 });
    expect(answer.results[1]).toMatchObject({ status: 'conflict', survivorId: id, version: version + 2, conflict: { kind: 'create-create' } });
    const after = await workOrder(id);
    expect(after.version).toBe(version + 2);
    expect(after.wo).toMatchObject({ rootCause: 'worn bearing', tags: expect.arrayContaining(['twin', ...wo.tags]) });
    expect(answer.results[1]?.record).toEqual(after.wo);
    // One change in the log for the record, at its last version, which another device pulls.
    const delta = await pullPage(t.url, token, cursor);
    expect(delta.changes.filter((change) => change.id === id)).toEqual([expect.objectContaining({ op: 'upsert', version: version + 2, data: after.wo })]);
  });
});
