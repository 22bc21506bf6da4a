import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachmentMetaSchema } from '../../src-shared/domain/entities';
import type { WorkOrderStatus } from '../../src-shared/domain/work-order-status';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { fixedNetworkCost } from '../../src-main/core/attachments/network-cost';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { attachmentFilesIn, bytesFoundUnder } from '../support/files-under';
import { cameraPhoto, fiveMegabytePhoto, sha256 } from '../support/photos';
import { makeOp, push } from '../support/sync-helpers';

/** Runs of bytes from across a file: finding any one of them on disk means plaintext leaked. */
function samples(bytes: Buffer, count = 8, length = 48): Buffer[] {
  return Array.from({ length: count }, (_, i) => bytes.subarray(Math.floor(((i + 1) * bytes.length) / (count + 2)), Math.floor(((i + 1) * bytes.length) / (count + 2)) + length));
}

describe('attachments', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 40 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  /** tech1 signed in on `on` (the test's laptop unless given) and synced, with a work order to attach to. */
  async function signedInWithWorkOrder(on: TestClient = device, statuses: WorkOrderStatus[] = []) {
    const session = await on.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const workOrder = (await session.queries.list({ limit: 1, statuses })).items[0];
    if (!workOrder) throw new Error('tech1 has no work order');
    return { session, workOrder };
  }

  it('ten 5 MB photos attached offline reach the server byte for byte, none of it in plaintext on the device', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const { items } = await session.queries.list({ limit: 5 });
    const workOrder = items[0];
    if (!workOrder) throw new Error('tech1 has no work order');
    await t.pause(); // offline from here

    const originals = await Promise.all(Array.from({ length: 10 }, () => fiveMegabytePhoto()));
    const attached = [];
    for (const [i, original] of originals.entries()) {
      expect(original.length).toBeGreaterThan(5_000_000);
      attached.push(await session.attachments.add({ workOrderId: workOrder.id, kind: 'photo', fileName: `pump-${i}.jpg`, contentBase64: original.toString('base64'), description: `Photo ${i}` }));
    }
    const first = attached[0];
    if (!first) throw new Error('nothing attached');
    // Resized upright (the camera held it sideways), JPEG, EXIF time and place kept as fields.
    const stored = (await session.attachmentFiles.file(first.id, 'content')).contentBase64;
    const storedBytes = Buffer.from(stored, 'base64');
    const shape = await sharp(storedBytes).metadata();
    expect([shape.format, shape.width, shape.height, shape.orientation ?? 1]).toEqual(['jpeg', 1440, 1920, 1]);
    expect(first).toMatchObject({ mimeType: 'image/jpeg', fileName: 'pump-0.jpg', capturedAt: '2026-11-20T10:15:00.000Z', location: { latitude: 52.5, longitude: 13.4 }, uploaded: false });
    expect(sha256(storedBytes)).toBe(first.sha256);
    const thumbnail = await sharp(Buffer.from((await session.attachmentFiles.file(first.id, 'thumbnail')).contentBase64, 'base64')).metadata();
    expect(Math.max(thumbnail.width ?? 0, thumbnail.height ?? 0)).toBe(320);

    // Neither the camera's bytes nor the prepared JPEG's are anywhere under the profile.
    for (const needle of [...samples(originals[0] ?? Buffer.alloc(0)), ...samples(storedBytes)]) expect(bytesFoundUnder(device.profileDir, needle)).toBe(false);

    const queued = await session.attachmentFiles.uploads();
    expect(queued.map((u) => u.hold)).toEqual(Array(10).fill('record-not-synced'));

    await t.resume();
    const back = await session.engine.sync('connectivity');
    expect(back.error).toBeNull();
    await session.engine.uploadsIdle();
    for (const meta of attached) {
      const onServer = readFileSync(join(t.attachmentsDir, 'uploads', meta.id));
      expect(sha256(onServer)).toBe(meta.sha256);
    }
    expect(await session.attachmentFiles.uploads()).toEqual([]);
    // The server marked them uploaded; the next pull brings that to the device.
    await session.engine.sync('manual');
    const detail = await session.queries.get(workOrder.id);
    expect(detail.attachments.filter((a) => a.uploaded).length).toBe(10);
  });

  it('an attachment of a work order created offline waits for its create, then both arrive', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    await t.pause();
    const site = session.info.siteIds[0] ?? '';
    const created = await session.workOrders.create({ siteId: site, assetId: null, type: 'corrective', title: 'Leak under pump 3', priority: 'medium' });
    const photo = await cameraPhoto(800, 600);
    const meta = await session.attachments.add({ workOrderId: created.id, kind: 'photo', fileName: 'leak.jpg', contentBase64: photo.toString('base64') });
    const ops = await session.outbox.list();
    expect(ops.map((o) => o.entity)).toEqual(['workOrder', 'attachment']);
    await t.resume();
    expect((await session.engine.sync('manual')).ok).toBe(true);
    await session.engine.uploadsIdle();
    expect(sha256(readFileSync(join(t.attachmentsDir, 'uploads', meta.id)))).toBe(meta.sha256);
    const row = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'attachment').where('id', '=', meta.id).executeTakeFirstOrThrow();
    expect(attachmentMetaSchema.parse(JSON.parse(row.data))).toMatchObject({ workOrderId: created.id, uploaded: true });
  });

  it('a large photo waits for an unmetered network when asked to; a small one goes', async () => {
    const metered = createTestClient(t.clock, { networkCost: fixedNetworkCost('metered') });
    try {
      const { session, workOrder } = await signedInWithWorkOrder(metered);
      const large = await session.attachments.add({ workOrderId: workOrder.id, kind: 'photo', fileName: 'large.jpg', contentBase64: (await cameraPhoto(2400, 1800)).toString('base64') });
      const small = await session.attachments.add({ workOrderId: workOrder.id, kind: 'document', fileName: 'note.txt', contentBase64: Buffer.from('Pump 3: seal replaced, no leak after 30 min.\n').toString('base64') });
      expect(large.size).toBeGreaterThan(1024 * 1024);
      await session.engine.sync('manual');
      await session.engine.uploadsIdle();
      const waiting = await session.attachmentFiles.uploads();
      expect(waiting.map((u) => [u.fileName, u.hold])).toEqual([['large.jpg', 'unmetered-network']]);
      expect(readFileSync(join(t.attachmentsDir, 'uploads', small.id), 'utf8')).toContain('seal replaced');

      metered.core.settings.update({ largeUploadsUnmeteredOnly: false });
      await session.engine.sync('manual');
      await session.engine.uploadsIdle();
      expect(await session.attachmentFiles.uploads()).toEqual([]);
      expect(sha256(readFileSync(join(t.attachmentsDir, 'uploads', large.id)))).toBe(large.sha256);
    } finally {
      await metered.dispose();
    }
  });

  it('another device gets thumbnails with the pull, the full photo on demand, cached encrypted; removal cleans up both', async () => {
    const { session, workOrder } = await signedInWithWorkOrder();
    const meta = await session.attachments.add({ workOrderId: workOrder.id, kind: 'photo', fileName: 'gauge.jpg', contentBase64: (await cameraPhoto(1200, 900)).toString('base64') });
    await session.engine.sync('manual');
    await session.engine.uploadsIdle();

    const laptop = createTestClient(t.clock);
    try {
      const other = await laptop.core.signIn(t.url, 'tech1', demoPassword);
      expect((await other.engine.sync('start')).ok).toBe(true);
      const files = () => other.store.db.selectFrom('attachment_files').selectAll().where('attachment_id', '=', meta.id).executeTakeFirst();
      expect(await files()).toMatchObject({ thumbnail_state: 'cached', content_key: null, upload_state: 'none' });
      await t.pause();
      // The thumbnail is here; the full photo is not, and the server is away.
      expect((await other.attachmentFiles.file(meta.id, 'thumbnail')).mimeType).toBe('image/jpeg');
      await expect(other.attachmentFiles.file(meta.id, 'content')).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
      await t.resume();
      const full = Buffer.from((await other.attachmentFiles.file(meta.id, 'content')).contentBase64, 'base64');
      expect(sha256(full)).toBe(meta.sha256);
      await t.pause();
      expect(sha256(Buffer.from((await other.attachmentFiles.file(meta.id, 'content')).contentBase64, 'base64'))).toBe(meta.sha256);
      await t.resume();

      // Removed on the first laptop: the server drops the file, the second laptop its copies.
      await session.attachments.remove(meta.id);
      expect((await session.engine.sync('manual')).ok).toBe(true);
      expect(existsSync(join(t.attachmentsDir, 'uploads', meta.id))).toBe(false);
      expect((await other.engine.sync('manual')).ok).toBe(true);
      expect(await files()).toBeUndefined();
      expect(attachmentFilesIn(other.paths.attachmentsDir, meta.id)).toEqual([]);
      expect(attachmentFilesIn(session.paths.attachmentsDir, meta.id)).toEqual([]);
    } finally {
      await laptop.dispose();
    }
  });

  it('refuses what it cannot take, with the reason, and keeps nothing of it', async () => {
    const { session, workOrder } = await signedInWithWorkOrder();
    const tryAttach = (kind: 'photo' | 'document', fileName: string, bytes: Buffer) => session.attachments.add({ workOrderId: workOrder.id, kind, fileName, contentBase64: bytes.toString('base64') });
    await expect(tryAttach('document', 'huge.pdf', Buffer.alloc(26 * 1024 * 1024, 0x25))).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: 'huge.pdf is 26.0 MB; a document may be at most 25.0 MB' });
    await expect(tryAttach('photo', 'notes.txt', Buffer.from('not a photo'))).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/not a photo Fieldline can read/) });
    await expect(tryAttach('document', 'setup.exe', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(512, 0x90)]))).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/setup\.exe cannot be attached/) });
    expect(await session.outbox.list()).toEqual([]);
    expect(existsSync(session.paths.attachmentsDir) ? readdirSync(session.paths.attachmentsDir) : []).toEqual([]);
  });

  it("a work order that leaves the laptop takes its attachments' files along", async () => {
    const { session, workOrder } = await signedInWithWorkOrder(device, ['assigned']);
    const meta = await session.attachments.add({ workOrderId: workOrder.id, kind: 'photo', fileName: 'valve.jpg', contentBase64: (await cameraPhoto(800, 600)).toString('base64') });
    await session.engine.sync('manual');
    await session.engine.uploadsIdle();
    expect(attachmentFilesIn(session.paths.attachmentsDir, meta.id).length).toBe(2);

    // The office hands the work order to a colleague: it leaves tech1's scope.
    const office = await t.login('super1');
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('id', '=', workOrder.id).executeTakeFirstOrThrow();
    const tech2 = (await t.server.db.selectFrom('credentials').select('user_id').where('username', '=', 'tech2').executeTakeFirstOrThrow()).user_id;
    const assignedTo = (JSON.parse(row.data) as { assignedTo: string | null }).assignedTo;
    await push(t.url, office.accessToken, [makeOp('workOrder', workOrder.id, 'update', { assignedTo: { base: assignedTo, value: tech2 } }, row.version)]);
    expect((await session.engine.sync('manual')).ok).toBe(true);
    await expect(session.queries.get(workOrder.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await session.store.db.selectFrom('records').select('id').where('entity', '=', 'attachment').where('id', '=', meta.id).executeTakeFirst()).toBeUndefined();
    expect(await session.store.db.selectFrom('attachment_files').select('attachment_id').execute()).toEqual([]);
    expect(attachmentFilesIn(session.paths.attachmentsDir, meta.id)).toEqual([]);
  });
});
