import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { workOrderSchema, type WorkOrder } from '../../src-shared/domain/entities';
import { pullResponseSchema } from '../../src-shared/protocol/pull';
import { conflictListResponseSchema, resolveConflictResponseSchema } from '../../src-shared/protocol/conflicts';
import { pruneHistory } from '../../src-server/sync/log-retention';
import { dialects } from '../support/test-database';
import { api, startTestServer, type TestServer } from '../support/test-server';
import { makeOp, pullAll, pullPage, push, replica } from '../support/sync-helpers';
import { workOrderCreatePatch } from '../support/work-order-patch';
import { recordAsSent } from '../../src-shared/sync/as-sent-record';

describe.each(dialects)('push and pull on %s', (dialect) => {
  let t: TestServer;
  let tech1: { token: string; id: string; siteIds: string[] };
  let super1: { token: string; id: string };
  beforeEach(async () => {
    t = await startTestServer(dialect);
    const a = await t.login('tech1');
    tech1 = { token: a.accessToken, id: a.user.id, siteIds: a.user.siteIds };
    const s = await t.login('super1');
    super1 = { token: s.accessToken, id: s.user.id };
  });
  afterEach(async () => t.stop());

  const workOrdersOf = (changes: Awaited<ReturnType<typeof pullAll>>['changes']) =>
    [...replica(changes).values()].filter((c) => c.entity === 'workOrder').map((c) => workOrderSchema.parse(c.data));

  async function assignedWorkOrder(status: WorkOrder['status'] = 'assigned'): Promise<{ wo: WorkOrder; version: number; cursor: string }> {
    const { changes, cursor } = await pullAll(t.url, tech1.token);
    const change = [...replica(changes).values()].find((c) => c.entity === 'workOrder' && c.data?.status === status && c.data?.assignedTo === tech1.id);
    if (!change) throw new Error(`demo data has no ${status} work order for tech1`);
    return { wo: workOrderSchema.parse(change.data), version: change.version, cursor };
  }

  it('a first sync brings exactly the technician’s scope', async () => {
    const { changes, pages } = await pullAll(t.url, tech1.token, undefined, 50);
    expect(pages).toBeGreaterThan(1);
    const records = replica(changes);
    expect(records.size).toBe(changes.length); // nothing twice
    const workOrders = workOrdersOf(changes);
    expect(workOrders.length).toBeGreaterThan(0);
    for (const wo of workOrders) {
      expect(wo.assignedTo === tech1.id || wo.createdBy === tech1.id).toBe(true);
      expect(['assigned', 'in-progress', 'on-hold', 'completed']).toContain(wo.status);
    }
    const assetIds = new Set(workOrders.map((w) => w.assetId));
    const assets = [...records.values()].filter((c) => c.entity === 'asset');
    expect(assets.length).toBe(assetIds.size);
    for (const a of assets) expect(assetIds.has(a.id)).toBe(true);
    const parts = [...records.values()].filter((c) => c.entity === 'part');
    for (const p of parts) expect(tech1.siteIds).toContain(p.data?.siteId);
    const users = [...records.values()].filter((c) => c.entity === 'user');
    expect(users.map((u) => u.id)).toEqual([tech1.id]);
  });

  it('a merge that would break the record (a union of tags past 100) is rejected and changes nothing; an edit beside it applies', async () => {
    const { wo, version } = await assignedWorkOrder();
    const office = Array.from({ length: 60 }, (_, i) => `office-${i}`);
    const officeWrite = await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'update', { tags: { base: wo.tags, value: office } }, version)]);
    expect(officeWrite.results[0]).toMatchObject({ status: 'applied', version: version + 1 });
    const before = await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', wo.id).executeTakeFirstOrThrow();
    // The device edited the tags it last saw: server ≠ base, so the union policy merges 60 + 60.
    const field = Array.from({ length: 60 }, (_, i) => `field-${i}`);
    const merged = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { tags: { base: wo.tags, value: field } }, version)]);
    expect(merged.results[0]).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('tags') } });
    expect(await t.server.db.selectFrom('records').select(['version', 'data']).where('id', '=', wo.id).executeTakeFirstOrThrow()).toEqual(before);
    const note = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'checked' } }, version + 1)]);
    expect(note.results[0]).toMatchObject({ status: 'applied', version: version + 2, record: { description: 'checked', tags: office } });
  });

  it('round trip: a pushed change is applied once and pulled by the next delta', async () => {
    const { wo, version, cursor } = await assignedWorkOrder();
    const op = makeOp('workOrder', wo.id, 'update', { status: { base: 'assigned', value: 'in-progress' } }, version, 5);
    const result = await push(t.url, tech1.token, [op]);
    expect(result.results[0]).toMatchObject({ status: 'applied', version: version + 1 });
    const delta = await pullPage(t.url, tech1.token, cursor);
    expect(delta.changes).toHaveLength(1);
    expect(delta.changes[0]).toMatchObject({ id: wo.id, op: 'upsert', version: version + 1 });
    expect(delta.changes[0]?.data?.status).toBe('in-progress');
    expect(delta.server.head).toBe(result.server.head);
  });

  it('a record with characters beyond ASCII travels as ASCII JSON and arrives unchanged', async () => {
    const { wo, version, cursor } = await assignedWorkOrder();
    const description = 'Supply at 62 °C — Prüfung bestanden ✓ 🛠';
    const result = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: description } }, version)]);
    expect(result.results[0]).toMatchObject({ status: 'applied' });
    const response = await fetch(`${t.url}/api/v1/sync/pull?cursor=${encodeURIComponent(cursor)}`, { headers: { authorization: `Bearer ${tech1.token}` } });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.every((byte) => byte < 0x80)).toBe(true);
    expect(pullResponseSchema.parse(JSON.parse(bytes.toString('utf8'))).changes[0]?.data?.description).toBe(description);
  });

  it('as-sent answers: an update applied as sent comes back without its record, which the device rebuilds exactly; anything else brings the record', async () => {
    const { wo, version, cursor } = await assignedWorkOrder();
    const patch = { description: { base: wo.description, value: 'checked on site' }, tags: { base: wo.tags, value: [...wo.tags, 'field'] } };
    const op = makeOp('workOrder', wo.id, 'update', patch, version);
    t.clock.advance(60_000);
    const answered = await push(t.url, tech1.token, [op], 'device-a', 'as-sent');
    const result = answered.results[0];
    expect(result).toEqual({ opId: op.opId, status: 'applied', version: version + 1, asSent: { updatedAt: new Date(t.clock.now()).toISOString() } });
    const delta = await pullPage(t.url, tech1.token, cursor);
    expect(delta.changes[0]?.data).toEqual(recordAsSent(wo, patch, result?.asSent ?? {}));

    // The server names the feature in every sync answer, so devices know they may ask for it.
    expect(answered.server.features).toContain('as-sent-answers');
    expect(delta.server.features).toContain('as-sent-answers');

    // Replayed, it is answered with the whole record as it is now.
    const replay = await push(t.url, tech1.token, [op], 'device-a', 'as-sent');
    expect(replay.results[0]).toMatchObject({ status: 'duplicate', replayOf: 'applied', version: version + 1, record: delta.changes[0]?.data });
    expect(replay.results[0]?.asSent).toBeUndefined();

    // Based on an older version (the office changed another field meanwhile): the device cannot rebuild it.
    await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'update', { priority: { base: wo.priority, value: wo.priority === 'low' ? 'high' : 'low' } }, version + 1)]);
    const stale = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: 'checked on site', value: 'checked twice' } }, version + 1)], 'device-a', 'as-sent');
    expect(stale.results[0]).toMatchObject({ status: 'applied', version: version + 3, record: { description: 'checked twice', priority: wo.priority === 'low' ? 'high' : 'low' } });
    expect(stale.results[0]?.asSent).toBeUndefined();

    // A conflict, even one its policy settles, brings the record.
    const merged = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { tags: { base: wo.tags, value: [...wo.tags, 'other'] } }, version + 3)], 'device-a', 'as-sent');
    expect(merged.results[0]).toMatchObject({ status: 'applied', conflict: { kind: 'update-update' }, record: { tags: [...wo.tags, 'field', 'other'] } });

    // A device that does not ask for them gets the record, as before.
    const plain = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: 'checked twice', value: 'done' } }, version + 4)]);
    expect(plain.results[0]).toMatchObject({ status: 'applied', version: version + 5, record: { description: 'done' } });
    expect(plain.results[0]?.asSent).toBeUndefined();
  });

  it('update-update: each field ends as its policy says, and manual ones wait for a person', async () => {
    const { wo, version } = await assignedWorkOrder('in-progress');
    // The office moves the schedule, writes notes and tags while the technician is offline.
    const office = await push(t.url, super1.token, [
      makeOp('workOrder', wo.id, 'update', {
        scheduledStart: { base: wo.scheduledStart, value: '2026-12-01T08:00:00.000Z' },
        completionNotes: { base: wo.completionNotes, value: 'Office: postponed, waiting for parts' },
        tags: { base: wo.tags, value: [...wo.tags, 'office'] },
        partsUsed: { base: wo.partsUsed, value: [...wo.partsUsed, { id: 'office-part', partId: wo.partsRequired[0]?.partId ?? uuidv7(), quantity: 1, recordedAt: '2026-11-02T08:00:00.000Z', recordedBy: super1.id }] },
      }, version),
    ]);
    expect(office.results[0]?.status).toBe('applied');
    const techPart = { id: 'tech-part', partId: uuidv7(), quantity: 2, recordedAt: '2026-11-02T09:00:00.000Z', recordedBy: tech1.id };
    const tech = await push(t.url, tech1.token, [
      makeOp('workOrder', wo.id, 'update', {
        completionNotes: { base: wo.completionNotes, value: 'Tech: replaced the contactor' },
        tags: { base: wo.tags, value: [...wo.tags, 'field'] },
        partsUsed: { base: wo.partsUsed, value: [...wo.partsUsed, techPart] },
        status: { base: 'in-progress', value: 'completed' },
      }, version),
    ]);
    const result = tech.results[0];
    expect(result?.status).toBe('conflict');
    const outcomes = Object.fromEntries((result?.conflict?.fields ?? []).map((f) => [f.field, f.outcome]));
    expect(outcomes).toEqual({ completionNotes: 'manual', tags: 'merged', partsUsed: 'merged' });
    const record = workOrderSchema.parse(result?.record);
    expect(record.status).toBe('completed'); // no conflict on status: the office did not touch it
    expect(record.completionNotes).toBe('Office: postponed, waiting for parts'); // manual: server value stays
    expect(record.tags).toEqual([...wo.tags, 'office', 'field']);
    expect(record.partsUsed.map((p) => p.id)).toEqual([...wo.partsUsed.map((p) => p.id), 'office-part', 'tech-part']);
    expect(record.scheduledStart).toBe('2026-12-01T08:00:00.000Z');

    // The supervisor sees it in the conflict log of their sites and decides.
    const list = await api(t.url, `/api/v1/conflicts?status=open`, { token: super1.token });
    const conflicts = conflictListResponseSchema.parse(list.body).conflicts;
    const open = conflicts.find((c) => c.recordId === wo.id);
    expect(open?.kind).toBe('update-update');
    const resolved = await api(t.url, `/api/v1/conflicts/${open?.id}/resolve`, {
      token: super1.token,
      body: { fields: { completionNotes: { choice: 'value', value: 'Contactor replaced; parts arrived early' } } },
    });
    expect(resolved.status).toBe(200);
    const after = resolveConflictResponseSchema.parse(resolved.body);
    expect(after.conflict.status).toBe('resolved');
    expect(after.record?.completionNotes).toBe('Contactor replaced; parts arrived early');
    const again = await api(t.url, `/api/v1/conflicts/${open?.id}/resolve`, { token: super1.token, body: { choice: 'server' } });
    expect(again.status).toBe(409);
  });

  it('server-wins and last-write-wins fields', async () => {
    const { wo, version } = await assignedWorkOrder();
    const { changes } = await pullAll(t.url, tech1.token);
    const asset = [...replica(changes).values()].find((c) => c.id === wo.assetId);
    expect(asset).toBeDefined();
    const assetStatus = asset?.data?.status ?? 'operational';
    const other = assetStatus === 'failed' ? 'degraded' : 'failed';
    await push(t.url, super1.token, [makeOp('asset', asset?.id ?? '', 'update', { status: { base: assetStatus, value: other } }, asset?.version ?? 1)]);
    const tech = await push(t.url, tech1.token, [makeOp('asset', asset?.id ?? '', 'update', { status: { base: assetStatus, value: 'offline' } }, asset?.version ?? 1, 2)]);
    expect(tech.results[0]?.status).toBe('applied');
    expect(tech.results[0]?.record?.status).toBe(other);
    expect(tech.results[0]?.conflict?.fields[0]).toMatchObject({ policy: 'server-wins', outcome: 'server' });

    await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'office text' } }, version)]);
    t.clock.advance(60_000);
    const later = { ...makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'site text' } }, version), clientTime: new Date(t.clock.now()).toISOString() };
    const lww = await push(t.url, tech1.token, [later]);
    expect(lww.results[0]?.record?.description).toBe('site text');
    const earlier = { ...makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'stale text' } }, version), clientTime: '2026-01-01T00:00:00.000Z' };
    const lost = await push(t.url, tech1.token, [earlier]);
    expect(lost.results[0]?.record?.description).toBe('site text');
    expect(lost.results[0]?.conflict?.fields[0]).toMatchObject({ policy: 'last-write-wins', outcome: 'server' });
  });

  it('status: completion beats in-progress; on-hold by the office against a completion is manual', async () => {
    const { wo, version } = await assignedWorkOrder('assigned');
    await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'update', { status: { base: 'assigned', value: 'in-progress' } }, version)]);
    // Its required safety steps done with it: a completion with one open is refused (close-out.ts).
    const done = (tasks: typeof wo.tasks) => tasks.map((task) => (task.required ? { ...task, done: true, doneAt: new Date(t.clock.now()).toISOString(), doneBy: tech1.id } : task));
    const beats = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { status: { base: 'assigned', value: 'completed' }, tasks: { base: wo.tasks, value: done(wo.tasks) } }, version)]);
    expect(beats.results[0]).toMatchObject({ status: 'applied' });
    expect(beats.results[0]?.record?.status).toBe('completed');
    expect(beats.results[0]?.conflict?.fields[0]?.outcome).toBe('local');

    const other = await assignedWorkOrder('in-progress');
    await push(t.url, super1.token, [makeOp('workOrder', other.wo.id, 'update', { status: { base: 'in-progress', value: 'on-hold' } }, other.version)]);
    const held = await push(t.url, tech1.token, [makeOp('workOrder', other.wo.id, 'update', { status: { base: 'in-progress', value: 'completed' }, tasks: { base: other.wo.tasks, value: done(other.wo.tasks) } }, other.version)]);
    expect(held.results[0]?.status).toBe('conflict');
    expect(held.results[0]?.record?.status).toBe('on-hold');
  });

  it('update-delete and tombstones: a deleted work order is a conflict for an edit and a delete in the pull', async () => {
    const { wo, version, cursor } = await assignedWorkOrder();
    const del = await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'delete', {}, version)]);
    expect(del.results[0]).toMatchObject({ status: 'applied', deleted: true });
    const edit = await push(t.url, tech1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'on my way' } }, version)]);
    expect(edit.results[0]).toMatchObject({ status: 'conflict', deleted: true });
    expect(edit.results[0]?.conflict?.kind).toBe('update-delete');
    const delta = await pullPage(t.url, tech1.token, cursor);
    expect(delta.changes).toEqual([{ entity: 'workOrder', id: wo.id, op: 'delete', version: version + 1 }]);
  });

  it('create-create: the same emergency logged by the office and on site becomes one work order', async () => {
    const { wo } = await assignedWorkOrder();
    const emergency = (id: string, description: string) =>
      workOrderCreatePatch({
        siteId: wo.siteId,
        assetId: wo.assetId,
        type: 'emergency',
        title: 'Tripped and offline: main switchboard',
        description,
        priority: 'critical',
        assignedTo: tech1.id,
        rootCause: id === 'tech' ? 'Water ingress' : null,
        tags: [id],
      });
    const officeId = uuidv7();
    const first = await push(t.url, super1.token, [makeOp('workOrder', officeId, 'create', emergency('office', 'Called in by security'), 0, 1)]);
    expect(first.results[0]).toMatchObject({ status: 'applied', version: 1 });
    expect(first.results[0]?.record?.number).toMatch(/^WO-\d{6}$/);
    const techId = uuidv7();
    const second = await push(t.url, tech1.token, [makeOp('workOrder', techId, 'create', emergency('tech', 'Found on site'), 0, 1)]);
    const result = second.results[0];
    expect(result).toMatchObject({ status: 'conflict', survivorId: officeId });
    expect(result?.conflict?.kind).toBe('create-create');
    expect(result?.record?.tags).toEqual(['office', 'tech']);
    expect(result?.record?.rootCause).toBe('Water ingress');
    const { changes } = await pullAll(t.url, tech1.token);
    expect(replica(changes).has(techId)).toBe(false);
    expect(replica(changes).get(officeId)?.data?.tags).toEqual(['office', 'tech']);
  });

  it('removal on reassignment: the old technician is told to remove, the new one gets it with its asset', async () => {
    const { wo, cursor } = await assignedWorkOrder();
    const tech2 = await t.login('tech2');
    const { cursor: cursor2 } = await pullAll(t.url, tech2.accessToken);
    // Reassign to tech2 (move it to a site tech2 works at, so tech2 may see it).
    const shared = tech2.user.siteIds.find((s) => tech1.siteIds.includes(s));
    const full = await pullAll(t.url, super1.token);
    const current = replica(full.changes).get(wo.id);
    const patch: Record<string, { base: string | null; value: string | null }> = { assignedTo: { base: tech1.id, value: tech2.user.id } };
    if (shared && wo.siteId !== shared) patch.siteId = { base: wo.siteId, value: shared };
    const moved = await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'update', patch, current?.version ?? 1)]);
    expect(moved.results[0]?.status).toBe('applied');
    const old = await pullAll(t.url, tech1.token, cursor);
    expect(old.changes).toEqual([{ entity: 'workOrder', id: wo.id, op: 'remove', version: moved.results[0]?.version }]);
    const gained = await pullAll(t.url, tech2.accessToken, cursor2);
    expect(gained.changes.map((c) => `${c.entity}:${c.op}`)).toContain('workOrder:upsert');
    expect(gained.changes.find((c) => c.entity === 'asset')?.id).toBe(wo.assetId);
  });

  it('a cursor older than retention, or from another server, gets reset', async () => {
    const { cursor } = await pullAll(t.url, tech1.token);
    const { wo, version } = await assignedWorkOrder();
    await push(t.url, super1.token, [makeOp('workOrder', wo.id, 'update', { description: { base: wo.description, value: 'x' } }, version)]);
    t.clock.advance(60_000);
    const pruned = await pruneHistory(t.server.db, new Date(t.clock.now()).toISOString());
    expect(pruned.removedChanges).toBeGreaterThan(0);
    const stale = await pullPage(t.url, tech1.token, cursor);
    expect(stale.reset).toBe(true);
    expect(stale.changes).toEqual([]);
    const foreign = Buffer.from(JSON.stringify({ v: 1, db: 'another-server', seq: 1 })).toString('base64url');
    expect((await pullPage(t.url, tech1.token, foreign)).reset).toBe(true);
    expect((await pullPage(t.url, tech1.token, 'not-a-cursor')).reset).toBe(true);
    // Starting over from the reset cursor brings the whole scope again.
    const again = await pullAll(t.url, tech1.token, stale.cursor);
    expect(workOrdersOf(again.changes).length).toBeGreaterThan(0);
  });

  it('narrowing: a device that keeps one site offline gets only that site', async () => {
    const site = tech1.siteIds[0] ?? '';
    const { changes } = await pullAll(t.url, tech1.token);
    const narrowed = await api(t.url, `/api/v1/sync/pull?limit=1000&sites=${site}`, { token: tech1.token });
    expect(narrowed.status).toBe(200);
    const body = narrowed.body as { changes: { entity: string; data?: { siteId?: string } }[] };
    for (const c of body.changes.filter((x) => x.entity === 'workOrder' || x.entity === 'part')) expect(c.data?.siteId).toBe(site);
    expect(body.changes.length).toBeLessThan(changes.length);
  });
});
