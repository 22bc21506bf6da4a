import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEncryptedStore, type OpenStore } from '../../src-main/core/store/open-store';
import { applyPlainChanges } from '../../src-main/core/sync/pulled-records';
import { listColumns } from '../../src-main/core/store/list-columns';

let dir: string;
let store: OpenStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fieldline-settle-'));
  store = await openEncryptedStore(join(dir, 'store.db'), randomBytes(32).toString('hex'));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Server states of one work order: list fields (status, title) and a field outside them (rootCause). */
const state = fc.record({
  version: fc.integer({ min: 1, max: 6 }),
  status: fc.constantFrom('open', 'assigned'),
  title: fc.constantFrom('Pump', 'Fan'),
  notes: fc.constantFrom('a', 'b', 'c'),
  // The full-sync hint skips reading what is stored; it must not matter when a record is there.
  fullSync: fc.boolean(),
});

describe('applying pulled or acknowledged server states (applyPlainChanges)', () => {
  it('holds the newest version seen, its data and its list columns, whichever way each write went (and whatever the full-sync hint said)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(state, { minLength: 1, maxLength: 8 }), async (states) => {
        const id = uuidv7();
        // A version is one server state: the first drawn for it; later draws of it resend that state.
        const atVersion = new Map<number, (typeof states)[number]>();
        for (const s of states) if (!atVersion.has(s.version)) atVersion.set(s.version, s);
        const dataAt = (version: number) => {
          const s = atVersion.get(version);
          if (!s) throw new Error('no state');
          return { id, number: 'WO-000007', title: s.title, description: 'x', rootCause: s.notes, status: s.status, siteId: 'site' };
        };
        for (const s of states) {
          await store.db.transaction().execute((trx) => applyPlainChanges(trx, [{ entity: 'workOrder', id, op: 'upsert', version: s.version, parsed: dataAt(s.version) }], '2026-11-02T00:00:00.000Z', { fullSync: s.fullSync }));
        }
        // The highest version wins; an older version never overwrites a newer one.
        const top = Math.max(...states.map((s) => s.version));
        const winner = atVersion.get(top);
        if (!winner) throw new Error('no state');
        const row = await store.db.selectFrom('records').selectAll().where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
        const expected = { id, number: 'WO-000007', title: winner.title, description: 'x', rootCause: winner.notes, status: winner.status, siteId: 'site' };
        expect(row.version).toBe(top);
        expect(JSON.parse(row.data)).toEqual(expected);
        expect(row.server_data).toBeNull();
        const { site_id, status, priority, assigned_to, scheduled_end, work_order_id, search_text } = row;
        expect({ site_id, status, priority, assigned_to, scheduled_end, work_order_id, search_text }).toEqual(listColumns('workOrder', expected));
      }),
      { numRuns: 60 },
    );
  });

  it('does not write again a server state the device holds (a pushed record that the next pull brings back), unless something is kept beside it', async () => {
    const id = uuidv7();
    const data = { id, number: 'WO-000008', title: 'Fan', description: 'x', rootCause: 'a', status: 'open', siteId: 'site' };
    const apply = (nowIso: string) => store.db.transaction().execute((trx) => applyPlainChanges(trx, [{ entity: 'workOrder', id, op: 'upsert', version: 3, parsed: data }], nowIso));
    const row = () => store.db.selectFrom('records').select(['version', 'data', 'server_data', 'updated_at']).where('entity', '=', 'workOrder').where('id', '=', id).executeTakeFirstOrThrow();
    await apply('2026-11-02T00:00:00.000Z');
    await apply('2026-11-03T00:00:00.000Z');
    expect(await row()).toMatchObject({ version: 3, updated_at: '2026-11-02T00:00:00.000Z' });
    // A view of the record left beside it (an edit that was undone): the same version clears it.
    await store.db.updateTable('records').set({ server_data: JSON.stringify(data) }).where('id', '=', id).execute();
    await apply('2026-11-04T00:00:00.000Z');
    expect(await row()).toMatchObject({ version: 3, server_data: null, updated_at: '2026-11-04T00:00:00.000Z' });
  });
});
