import { afterEach, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { ActiveSession } from '../../src-main/core/session/client-core';
import { FakeClock } from '../support/fake-clock';
import { attachmentFilesIn } from '../support/files-under';
import { cameraPhoto } from '../support/photos';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

const day = 24 * 3600 * 1000;
const finished = (status: string) => status === 'closed' || status === 'cancelled';

async function workOrders(session: ActiveSession) {
  return (await session.queries.list({ limit: 500 })).items;
}

async function attachNote(session: ActiveSession, workOrderId: string, text: string) {
  return session.attachments.add({ workOrderId, kind: 'document', fileName: 'note.txt', contentBase64: Buffer.from(text).toString('base64') });
}

const filesOf = (session: ActiveSession, attachmentId: string) => attachmentFilesIn(session.paths.attachmentsDir, attachmentId);

describe('data expiry and cache clear on the device', () => {
  let t: TestServer;
  let device: TestClient;
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('at launch, closed and cancelled work orders 90 days past their last change leave with their attachments; pinned, unsynced and recent ones stay', async () => {
    // The demo's work orders were made 1–25 days before 1 August; the supervisor's laptop syncs them in November.
    const clock = new FakeClock(Date.parse('2026-08-01T08:00:00.000Z'));
    t = await startTestServer('sqlite', { workOrders: 80, clock });
    clock.advance(110 * day);
    device = createTestClient(clock);
    let session = await device.core.signIn(t.url, 'super1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const before = await workOrders(session);
    const old = before.filter((w) => finished(w.status));
    expect(old.length).toBeGreaterThanOrEqual(5);
    const [withFile, edited, pinned, photoQueued, ...rest] = old;
    const completed = before.find((w) => w.status === 'completed');
    if (!withFile || !edited || !pinned || !photoQueued || !completed) throw new Error('the demo lacks closed or completed work orders');

    // A document that reached the server: it goes with its work order.
    const uploaded = await attachNote(session, withFile.id, 'Pump replaced, old one scrapped.');
    await session.engine.sync('manual');
    await session.engine.uploadsIdle();
    expect(await session.attachmentFiles.uploads()).toEqual([]);
    expect(filesOf(session, uploaded.id).length).toBeGreaterThan(0);
    // Closed today: its last change is recent.
    await session.workOrders.changeStatus({ workOrderId: completed.id, status: 'closed' });
    expect((await session.engine.sync('manual')).ok).toBe(true);

    await t.pause(); // the laptop starts in the field, without a network
    await session.workOrders.editNotes({ workOrderId: edited.id, rootCause: 'Bearing worn out' });
    const queuedPhoto = await session.attachments.add({ workOrderId: photoQueued.id, kind: 'photo', fileName: 'after.jpg', contentBase64: (await cameraPhoto(800, 600)).toString('base64') });
    device.core.settings.update({ keepOffline: { sites: [], workOrders: [pinned.id] } });

    clock.advance(day); // the next morning: expiry runs at most once a day
    const relaunched = await (await device.restart()).resume();
    if (!relaunched) throw new Error('the session did not come back');
    session = relaunched;
    expect((await session.engine.sync('start')).error?.code).toBe('NETWORK_ERROR');
    const after = new Set((await workOrders(session)).map((w) => w.id));
    for (const kept of [edited, pinned, photoQueued, completed]) expect(after.has(kept.id), kept.status).toBe(true);
    for (const gone of [withFile, ...rest]) expect(after.has(gone.id)).toBe(false);
    // Everything else is untouched: active work orders, and nothing but the expired ones left.
    expect(after.size).toBe(before.length - 1 - rest.length);
    expect(await session.store.db.selectFrom('records').select('id').where('entity', '=', 'attachment').where('work_order_id', '=', withFile.id).execute()).toEqual([]);
    expect(filesOf(session, uploaded.id)).toEqual([]);
    expect(filesOf(session, queuedPhoto.id).length).toBeGreaterThan(0);

    // Back online: the queued note and photo go out, and the pull does not bring the expired ones back.
    device.core.settings.update({ keepOffline: { sites: [], workOrders: [] } });
    await t.resume();
    expect((await session.engine.sync('connectivity')).ok).toBe(true);
    await session.engine.uploadsIdle();
    expect(await session.attachmentFiles.uploads()).toEqual([]);
    const online = new Set((await workOrders(session)).map((w) => w.id));
    for (const gone of [withFile, ...rest]) expect(online.has(gone.id)).toBe(false);
    expect((await session.queries.get(edited.id)).workOrder.rootCause).toBe('Bearing worn out');
  });

  it('clearing the cache drops what was downloaded, keeps unsynced work, and a full sync brings the rest back', async () => {
    t = await startTestServer('sqlite', { workOrders: 40 });
    device = createTestClient(t.clock);
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const before = await workOrders(session);
    const [withFile, edited, withPhoto] = before;
    if (!withFile || !edited || !withPhoto) throw new Error('tech1 needs three work orders');
    const uploaded = await attachNote(session, withFile.id, 'Filter changed.');
    await session.engine.sync('manual');
    await session.engine.uploadsIdle();
    expect(filesOf(session, uploaded.id).length).toBeGreaterThan(0);

    await t.pause();
    await session.workOrders.editNotes({ workOrderId: edited.id, completionNotes: 'Cleaned and tested' });
    const photo = await session.attachments.add({ workOrderId: withPhoto.id, kind: 'photo', fileName: 'gauge.jpg', contentBase64: (await cameraPhoto(800, 600)).toString('base64') });

    const cleared = await session.engine.clearCache();
    // Kept: the edited work order, the photo and the work order it belongs to.
    expect(cleared.kept).toBe(3);
    expect(cleared.removed).toBeGreaterThan(before.length);
    expect((await workOrders(session)).map((w) => w.id).sort()).toEqual([edited.id, withPhoto.id].sort());
    expect(filesOf(session, uploaded.id)).toEqual([]);
    expect(filesOf(session, photo.id).length).toBeGreaterThan(0);
    expect((await session.outbox.list()).length).toBe(2);

    await t.resume();
    expect((await session.engine.sync('connectivity')).ok).toBe(true);
    await session.engine.uploadsIdle();
    expect((await workOrders(session)).map((w) => w.id).sort()).toEqual(before.map((w) => w.id).sort());
    expect(await session.outbox.list()).toEqual([]);
    expect(await session.attachmentFiles.uploads()).toEqual([]);
    expect((await session.queries.get(edited.id)).workOrder.completionNotes).toBe('Cleaned and tested');
    // The document comes back as a record; its file is fetched again when opened.
    expect((await session.queries.get(withFile.id)).attachments.map((a) => a.id)).toEqual([uploaded.id]);
  });
});
