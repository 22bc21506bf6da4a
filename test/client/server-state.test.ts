import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { Kysely, SqliteDialect } from 'kysely';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkOrder } from '../../src-shared/domain/entities';
import { openEncryptedStore, type OpenStore } from '../../src-main/core/store/open-store';
import type { ClientDatabase } from '../../src-main/core/store/client-schema';
import { migrateClientStore } from '../../src-main/core/store/client-migrations';
import { serverCopyOf } from '../../src-main/core/store/server-copy';
import { applyPlainChanges } from '../../src-main/core/sync/pulled-records';
import { settleRecord } from '../../src-main/core/sync/record-settlement';
import { basesFor } from '../../src-main/core/store/record-bases';
import { applyPulledChange } from '../../src-main/core/sync/pull-cycle';
import { writeLocalChange } from '../../src-main/core/outbox/local-writes';
import { OutboxActions } from '../../src-main/core/outbox/outbox-actions';
import { FakeClock } from '../support/fake-clock';

function workOrder(): WorkOrder {
  return {
    id: uuidv7(), number: 'WO-000042', siteId: uuidv7(), assetId: null, type: 'corrective', title: 'Pump seal', description: 'Leaks at the gland', priority: 'medium',
    status: 'assigned', assignedTo: null, createdBy: uuidv7(), createdAt: '2026-11-01T08:00:00.000Z', updatedAt: '2026-11-01T08:00:00.000Z', scheduledStart: null,
    scheduledEnd: null, actualStart: null, actualEnd: null, tasks: [], partsRequired: [], partsUsed: [], laborRecords: [], measurements: [], completionNotes: null,
    rootCause: null, tags: ['pump'], categories: [],
  };
}

let dir: string;
let store: OpenStore;
const clock = new FakeClock(Date.parse('2026-11-05T09:00:00.000Z'));
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-server-state-'));
  store = await openEncryptedStore(join(dir, 'store.db'), randomBytes(32).toString('hex'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (id: string) => store.db.selectFrom('records').selectAll().where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
const synced = async (record: WorkOrder, version: number) =>
  store.db.transaction().execute((trx) => applyPlainChanges(trx, [{ entity: 'workOrder', id: record.id, op: 'upsert', version, parsed: record }], '2026-11-05T08:00:00.000Z'));

describe("the server's state of a record with local changes", () => {
  it('is not copied into the row by a first edit, and a discard gives it back to the byte', async () => {
    const server = workOrder();
    await synced(server, 3);
    const before = await row(server.id);
    await writeLocalChange(store.db, clock, { kind: 'update', entity: 'workOrder', id: server.id, values: { tags: ['pump', 'urgent'], status: 'in-progress' }, summary: 'edit' });
    await writeLocalChange(store.db, clock, { kind: 'update', entity: 'workOrder', id: server.id, values: { rootCause: 'worn seal' }, summary: 'edit' });
    const edited = await row(server.id);
    expect(edited.server_data).toBeNull();
    expect(edited.data.length).toBeLessThan(before.data.length + 100);
    expect(serverCopyOf(edited, await basesFor(store.db, 'workOrder', server.id))).toEqual(server);
    const [op] = await store.db.selectFrom('outbox').select('op_id').execute();
    await new OutboxActions(store.db, clock).discard(op!.op_id);
    const discarded = await row(server.id);
    expect(discarded).toMatchObject({ version: 3, data: before.data, server_data: null, sync_state: 'synced', status: 'assigned' });
    expect(await basesFor(store.db, 'workOrder', server.id)).toEqual({});
  });

  it('is kept beside the view once a pull brings a new state under a pending change, and a discard returns to that state', async () => {
    const server = workOrder();
    await synced(server, 3);
    await writeLocalChange(store.db, clock, { kind: 'update', entity: 'workOrder', id: server.id, values: { title: 'Pump seal, both sides' }, summary: 'edit' });
    // The office renamed it too: the pending title's base stays the one this device edited from.
    const pulled = { ...server, title: 'Pump seal (office)', priority: 'high' as const, updatedAt: '2026-11-05T08:30:00.000Z' };
    await store.db.transaction().execute((trx) => settleRecord(trx, 'workOrder', server.id, pulled, 4, '2026-11-05T08:31:00.000Z'));
    const stored = await row(server.id);
    expect(JSON.parse(stored.data)).toMatchObject({ title: 'Pump seal, both sides', priority: 'high' });
    expect(await basesFor(store.db, 'workOrder', server.id)).toEqual({ title: 'Pump seal' });
    expect(stored.server_data).toBe(JSON.stringify(pulled));
    const [op] = await store.db.selectFrom('outbox').select('op_id').execute();
    await new OutboxActions(store.db, clock).discard(op!.op_id);
    expect(await row(server.id)).toMatchObject({ version: 4, data: JSON.stringify(pulled), server_data: null, sync_state: 'synced' });
  });

  it('is always what the server last sent, through any run of edits, undos, pulls and discards', async () => {
    const title = fc.constantFrom('Pump seal', 'Fan belt', 'Valve');
    const rootCause = fc.constantFrom(null, 'worn seal', 'dirt');
    const tags = fc.constantFrom<string[]>([], ['pump'], ['pump', 'urgent']);
    const step = fc.oneof(
      fc.record({ kind: fc.constant('edit' as const), values: fc.record({ title, rootCause, tags }, { requiredKeys: [] }) }),
      fc.record({ kind: fc.constant('pull' as const), values: fc.record({ title, rootCause, tags }, { requiredKeys: [] }) }),
      fc.record({ kind: fc.constant('discard' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        let server: WorkOrder = workOrder();
        let version = 1;
        await synced(server, version);
        for (const s of steps) {
          if (s.kind === 'edit') {
            if (Object.keys(s.values).length > 0) await writeLocalChange(store.db, clock, { kind: 'update', entity: 'workOrder', id: server.id, values: s.values, summary: 'edit' });
          } else if (s.kind === 'pull') {
            server = { ...server, ...s.values };
            version += 1;
            const pulled = server;
            const change = { entity: 'workOrder' as const, id: pulled.id, op: 'upsert' as const, version, parsed: pulled };
            await store.db.transaction().execute((trx) => applyPulledChange(trx, change, '2026-11-05T08:31:00.000Z'));
          } else {
            for (const op of await store.db.selectFrom('outbox').select('op_id').where('record_id', '=', server.id).execute()) await new OutboxActions(store.db, clock).discard(op.op_id);
            expect((await row(server.id)).data).toBe(JSON.stringify(server));
          }
          const stored = await row(server.id);
          expect(stored.version).toBe(version);
          expect(JSON.stringify(serverCopyOf(stored, await basesFor(store.db, 'workOrder', server.id)))).toBe(JSON.stringify(server));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('found by the property above: an edit to the value a field has queues nothing, and a value equal to an old base is still sent', async () => {
    let server: WorkOrder = workOrder();
    let version = 1;
    await synced(server, version);
    const pull = async (values: Partial<WorkOrder>) => {
      server = { ...server, ...values };
      version += 1;
      const change = { entity: 'workOrder' as const, id: server.id, op: 'upsert' as const, version, parsed: server };
      await store.db.transaction().execute((trx) => applyPulledChange(trx, change, '2026-11-05T08:31:00.000Z'));
    };
    const edit = (values: Partial<WorkOrder>) => writeLocalChange(store.db, clock, { kind: 'update', entity: 'workOrder', id: server.id, values, summary: 'edit' });
    const queued = async () => (await store.db.selectFrom('outbox').select('field_values').execute()).map((op) => JSON.parse(op.field_values));

    await pull({ rootCause: 'worn seal' });
    expect(await edit({ rootCause: 'worn seal' })).toMatchObject({ opId: null });
    expect(await queued()).toEqual([]);

    // A manual field changed on both sides: the local value stays pending on its old base.
    await pull({ rootCause: null });
    await edit({ rootCause: 'dirt' });
    await pull({ rootCause: 'worn seal' });
    expect(await queued()).toEqual([{ rootCause: 'dirt' }]);
    expect(await basesFor(store.db, 'workOrder', server.id)).toEqual({ rootCause: null });
    // Set back to that old base, it differs from what the server now holds: still a change to send.
    await edit({ rootCause: null });
    expect(await queued()).toEqual([{ rootCause: null }]);
    // Another field set to the server's value leaves it pending and sends nothing more.
    await edit({ tags: server.tags });
    expect(await queued()).toEqual([{ rootCause: null }]);
    // Set to the server's value, the change is gone, and so is the difference.
    await edit({ rootCause: 'worn seal' });
    expect(await queued()).toEqual([]);
    expect((await row(server.id)).data).toBe(JSON.stringify(server));
    expect(JSON.stringify(serverCopyOf(await row(server.id), await basesFor(store.db, 'workOrder', server.id)))).toBe(JSON.stringify(server));
  });

  it('keeps its meaning in a store from before: an empty server copy beside bases meant the view itself', async () => {
    const old = new Kysely<ClientDatabase>({ dialect: new SqliteDialect({ database: new Database(join(dir, 'old.db')) }) });
    await migrateClientStore(old, '0006_full_text_search');
    const server = workOrder();
    // Settled with a pending value equal to the server's, its base an older acknowledged value.
    await old
      .insertInto('records')
      .values({ entity: 'workOrder', id: server.id, version: 5, data: JSON.stringify(server), server_data: null, sync_state: 'queued', site_id: server.siteId, status: 'assigned', priority: 'medium', assigned_to: null, scheduled_end: null, work_order_id: null, search_text: 'pump', pending_delete: 0, updated_at: '2026-11-02T00:00:00.000Z' })
      .execute();
    await old.insertInto('bases').values({ entity: 'workOrder', record_id: server.id, field: 'status', value: JSON.stringify('open') }).execute();
    await migrateClientStore(old);
    const migrated = await old.selectFrom('records').selectAll().where('id', '=', server.id).executeTakeFirstOrThrow();
    const bases = await basesFor(old, 'workOrder', server.id);
    expect(bases).toEqual({ status: 'open' });
    expect(serverCopyOf(migrated, bases)).toEqual(server);
    await old.destroy();
  });
});
