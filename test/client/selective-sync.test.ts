import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userSchema, workOrderSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { makeOp, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

/**
 * docs/keeping-work-safe.md: every change of what is kept offline ends with the laptop holding exactly the
 * server's scope for that selection, queued changes kept; pins add to the assigned work, never
 * take it away.
 */
describe('what is kept offline', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 80 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  /** The records the server's scope holds for this selection, as entity/id. */
  async function serverScope(token: string, selection: { sites: string[]; workOrders: string[] }): Promise<string[]> {
    const extra = `${selection.sites.length ? `&sites=${selection.sites.join(',')}` : ''}${selection.workOrders.length ? `&workOrders=${selection.workOrders.join(',')}` : ''}`;
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const query = `?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${extra}`;
      const response = await fetch(`${t.url}/api/v1/sync/pull${query}`, { headers: { authorization: `Bearer ${token}` } });
      const page = (await response.json()) as { changes: { entity: string; id: string; op: string }[]; cursor: string; hasMore: boolean };
      ids.push(...page.changes.filter((c) => c.op === 'upsert').map((c) => `${c.entity}/${c.id}`));
      cursor = page.cursor;
      if (!page.hasMore) return ids.sort();
    }
  }

  async function onLaptop(session: ActiveSession): Promise<string[]> {
    return (await session.store.db.selectFrom('records').select(['entity', 'id']).execute()).map((r) => `${r.entity}/${r.id}`).sort();
  }

  async function select(session: ActiveSession, keepOffline: { sites: string[]; workOrders: string[] }) {
    device.core.settings.update({ keepOffline });
    const result = await session.engine.sync('manual');
    expect(result.ok, result.error?.message).toBe(true);
  }

  it('narrowing, pinning, unpinning and widening each end with exactly the server’s scope; queued work stays until it is on the server', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const login = await t.login('tech1');
    const tech1 = userSchema.parse(login.user);
    const [north, river] = tech1.siteIds;
    if (!north || !river) throw new Error('tech1 works at two sites');
    const everything = await onLaptop(session);
    expect(everything).toEqual(await serverScope(login.accessToken, { sites: [], workOrders: [] }));

    // Pinning one work order takes nothing away.
    const riverside = (await session.queries.list({ siteId: river, limit: 100 })).items;
    const pinned = riverside[0];
    const edited = riverside[1];
    if (!pinned || !edited) throw new Error('need two work orders at the second site');
    await select(session, { sites: [], workOrders: [pinned.id] });
    expect(await onLaptop(session)).toEqual(everything);

    // Only the first site: the second site's work orders leave, but the one with a queued change
    // stays until its change is on the server.
    await session.workOrders.editNotes({ workOrderId: edited.id, rootCause: 'Queued before narrowing' });
    await t.pause();
    device.core.settings.update({ keepOffline: { sites: [north], workOrders: [] } });
    expect((await session.engine.sync('manual')).ok).toBe(false);
    await t.resume();
    expect((await session.engine.sync('manual')).ok).toBe(true);
    const northOnly = await serverScope(login.accessToken, { sites: [north], workOrders: [] });
    expect(await onLaptop(session)).toEqual(northOnly);
    const row = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'workOrder').where('id', '=', edited.id).executeTakeFirstOrThrow();
    expect(workOrderSchema.parse(JSON.parse(row.data)).rootCause).toBe('Queued before narrowing');

    // The office edits a work order of the kept site: it stays (a pin never narrows).
    await select(session, { sites: [north], workOrders: [pinned.id] });
    expect(await onLaptop(session)).toEqual(await serverScope(login.accessToken, { sites: [north], workOrders: [pinned.id] }));
    expect((await onLaptop(session)).includes(`workOrder/${pinned.id}`)).toBe(true);
    const office = await t.login('super1');
    const kept = (await session.queries.list({ siteId: north, limit: 5 })).items.find((w) => w.id !== pinned.id);
    if (!kept) throw new Error('no work order at the first site');
    const keptRow = await t.server.db.selectFrom('records').select(['data', 'version']).where('entity', '=', 'workOrder').where('id', '=', kept.id).executeTakeFirstOrThrow();
    const before = workOrderSchema.parse(JSON.parse(keptRow.data));
    await push(t.url, office.accessToken, [makeOp('workOrder', kept.id, 'update', { description: { base: before.description, value: 'Office note' } }, keptRow.version)], 'desk');
    expect((await session.engine.sync('notification')).ok).toBe(true);
    expect((await session.queries.get(kept.id)).workOrder.description).toBe('Office note');

    // Unpinning takes the pinned one away again; widening brings everything back.
    await select(session, { sites: [north], workOrders: [] });
    expect(await onLaptop(session)).toEqual(await serverScope(login.accessToken, { sites: [north], workOrders: [] }));
    await select(session, { sites: [], workOrders: [] });
    expect(await onLaptop(session)).toEqual(await serverScope(login.accessToken, { sites: [], workOrders: [] }));
  });
});
