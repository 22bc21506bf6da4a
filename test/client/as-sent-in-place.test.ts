import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { settleAsSentInPlace } from '../../src-main/core/sync/as-sent-answers';
import { writeLocalChange } from '../../src-main/core/outbox/local-writes';
import { listColumnFields, listColumns } from '../../src-main/core/store/list-columns';
import { parseData } from '../../src-main/core/store/stored-json';
import { serverCopyOf } from '../../src-main/core/store/server-copy';
import { basesFor } from '../../src-main/core/store/record-bases';
import type { OutboxRow } from '../../src-main/core/outbox/outbox-rows';
import { isoAt } from '../../src-shared/sync/clock';
import { recordAsSent } from '../../src-shared/sync/as-sent-record';
import type { JsonRecord, Patch } from '../../src-shared/merge/merge-patch';
import { entityNameSchema, fieldNamesOf } from '../../src-shared/domain/entity-registry';
import { isJson } from '../../src-shared/domain/json';
import type { PushOp, PushResult } from '../../src-shared/protocol/push';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { storableChar } from '../support/storable-text';

/**
 * settleAsSentInPlace writes an as-sent answer into the stored record with SQLite's json_patch.
 * It must give exactly the record the usual settle rebuilds (recordAsSent over the server state),
 * and leave alone every answer that still needs the device to decide something.
 */
describe('as-sent answers settled in place', () => {
  let t: TestServer;
  let device: TestClient;
  let session: ActiveSession;
  let ids: string[];
  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 40 });
    device = createTestClient(t.clock);
    session = await device.core.signIn(t.url, 'super1', demoPassword);
    await session.engine.sync('start');
    ids = (await session.store.db.selectFrom('records').select('id').where('entity', '=', 'workOrder').orderBy('id').execute()).map((r) => r.id);
  });
  afterAll(async () => {
    await device.dispose();
    await t.stop();
  });

  const db = () => session.store.db;
  const stored = (id: string) => db().selectFrom('records').selectAll().where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
  const opOf = async (id: string): Promise<OutboxRow> => db().selectFrom('outbox').selectAll().where('entity', '=', 'workOrder').where('record_id', '=', id).executeTakeFirstOrThrow();

  /** The op as the push sent it, and the server's as-sent answer to it. */
  function sentAndAnswer(op: OutboxRow, baseVersion: number, asSent: Record<string, string | string[]>): { sent: PushOp; answer: PushResult } {
    const values = parseData(op.field_values);
    const patch: Patch = Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { base: null, value }]));
    return {
      sent: { opId: op.op_id, entity: 'workOrder', id: op.record_id, kind: 'update', baseVersion, patch, priority: op.priority, clientTime: op.client_time },
      answer: { opId: op.op_id, status: 'applied', version: baseVersion + 1, asSent },
    };
  }

  it('gives the record recordAsSent gives, for any values edited and any fields the server set (property)', async () => {
    let next = 0;
    const text = fc.string({ unit: storableChar, maxLength: 40 });
    const edit = fc.oneof(
      fc.record({ description: text }),
      fc.record({ tags: fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { maxLength: 5 }) }),
      fc.record({ description: text, completionNotes: fc.option(text, { nil: null }) }),
    );
    // Fields of a work order no list column is taken from, as a server could set them.
    const serverSet = fc.record(
      {
        updatedAt: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
        rootCause: text,
        categories: fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), { maxLength: 3 }),
      },
      { requiredKeys: ['updatedAt'] },
    );
    await fc.assert(
      fc.asyncProperty(edit, serverSet, async (values, asSent) => {
        const id = ids[next++ % ids.length] ?? '';
        const written = await writeLocalChange(db(), t.clock, { kind: 'update', entity: 'workOrder', id, values, summary: 'property' });
        const before = await stored(id);
        if (written.opId === null) {
          // An edit to the values the work order holds already queues nothing: nothing to settle.
          expect(JSON.parse(before.data)).toMatchObject(values);
          return;
        }
        const serverState = serverCopyOf(before, await basesFor(db(), 'workOrder', id));
        if (!serverState) throw new Error('setup: a synced work order has a server state');
        const op = await opOf(id);
        const { sent, answer } = sentAndAnswer(op, before.version, asSent);
        const settled = await db().transaction().execute((trx) => settleAsSentInPlace(trx, [op], [sent], [answer], isoAt(t.clock)));
        expect([...settled]).toEqual([op.op_id]);
        const after = await stored(id);
        expect(JSON.parse(after.data)).toEqual(recordAsSent(serverState, sent.patch, asSent));
        expect({ version: after.version, server_data: after.server_data, sync_state: after.sync_state }).toEqual({ version: before.version + 1, server_data: null, sync_state: 'synced' });
        expect(await db().selectFrom('outbox').select('op_id').where('record_id', '=', id).execute()).toEqual([]);
        expect(await basesFor(db(), 'workOrder', id)).toEqual({});
      }),
      { numRuns: 60 },
    );
  });

  it('leaves every answer that still needs a decision to the usual settle, untouched', async () => {
    const [listField, moved, conflicted, queuedAgain, plain] = ids.slice(0, 5).map((id) => id);
    if (!listField || !moved || !conflicted || !queuedAgain || !plain) throw new Error('setup: too few work orders');
    for (const id of [listField, moved, conflicted, queuedAgain, plain]) await writeLocalChange(db(), t.clock, { kind: 'update', entity: 'workOrder', id, values: { description: `edited ${id}` }, summary: 'x' });
    const pairs = await Promise.all(
      [listField, moved, conflicted, queuedAgain, plain].map(async (id) => {
        const op = await opOf(id);
        const version = (await stored(id)).version;
        // A field a list column is taken from; a record pulled at another version since; the rest plain.
        return { op, ...sentAndAnswer(op, id === moved ? version - 1 : version, id === listField ? { updatedAt: '2026-12-04T00:00:00.000Z', title: 'Retitled' } : { updatedAt: '2026-12-04T00:00:00.000Z' }) };
      }),
    );
    await db().insertInto('conflicts').values({ id: crypto.randomUUID(), entity: 'workOrder', record_id: conflicted, kind: 'update-update', fields: '[]', status: 'open', origin: 'push', server_conflict_id: null, created_at: isoAt(t.clock), resolved_at: null, resolution: null }).execute();
    // A later edit queued behind the one in flight (as when the technician edits during a push).
    const inFlight = await opOf(queuedAgain);
    await db().updateTable('outbox').set({ state: 'in-flight' }).where('op_id', '=', inFlight.op_id).execute();
    await writeLocalChange(db(), t.clock, { kind: 'update', entity: 'workOrder', id: queuedAgain, values: { tags: ['later'] }, summary: 'x' });
    const before = await Promise.all([listField, moved, conflicted, queuedAgain].map(stored));

    const settled = await db().transaction().execute((trx) =>
      settleAsSentInPlace(trx, pairs.map((p) => p.op), pairs.map((p) => p.sent), pairs.map((p) => p.answer), isoAt(t.clock)),
    );

    const plainOp = pairs.find((p) => p.op.record_id === plain)?.op.op_id;
    expect([...settled]).toEqual([plainOp]);
    expect(await Promise.all([listField, moved, conflicted, queuedAgain].map(stored))).toEqual(before);
    expect((await db().selectFrom('outbox').select('record_id').where('record_id', 'in', [listField, moved, conflicted, queuedAgain]).execute()).length).toBe(5);
  });
});

describe('listColumnFields', () => {
  it('names every field the list columns are taken from: changing any other leaves them as they are (property)', () => {
    const knownFields = [...new Set(entityNameSchema.options.flatMap((entity) => fieldNamesOf(entity)))];
    const record = fc.dictionary(fc.oneof(fc.constantFrom(...knownFields), fc.string({ maxLength: 12 })), fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 }))).filter((r): r is JsonRecord => isJson(r));
    fc.assert(
      fc.property(fc.constantFrom(...entityNameSchema.options), record, (entity, data) => {
        for (const field of knownFields.filter((f) => !listColumnFields.has(f))) {
          for (const value of ['WO-000777 pump', 42, null, ['x']]) expect(listColumns(entity, { ...data, [field]: value }), field).toEqual(listColumns(entity, data));
        }
      }),
      { numRuns: 200 },
    );
  });
});
