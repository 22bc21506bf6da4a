import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentUploadsPath } from '../../src-shared/protocol/attachments';
import { errorEnvelopeSchema } from '../../src-shared/protocol/errors';
import { cameraPhoto, sha256 } from '../support/photos';
import { makeOp, pullAll, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';

const tusHeaders = { 'tus-resumable': '1.0.0' };

/** The attachment's record, pushed as a device would before uploading its file. */
async function announce(t: TestServer, token: string, workOrderId: string, file: { bytes: Buffer; kind: 'photo' | 'document'; mimeType: string; size?: number }) {
  const id = uuidv7();
  const values = {
    workOrderId,
    kind: file.kind,
    fileName: 'evidence.jpg',
    mimeType: file.mimeType,
    size: file.size ?? file.bytes.length,
    sha256: sha256(file.bytes),
    description: '',
    capturedAt: new Date(t.clock.now()).toISOString(),
    location: null,
  };
  const patch = Object.fromEntries(Object.entries(values).map(([field, value]) => [field, { base: null, value }]));
  const response = await push(t.url, token, [makeOp('attachment', id, 'create', patch, 0, 7)]);
  expect(response.results[0]?.status).toBe('applied');
  return id;
}

async function createUpload(t: TestServer, token: string | null, attachmentId: string, length: number): Promise<Response> {
  return fetch(`${t.url}${attachmentUploadsPath}`, {
    method: 'POST',
    headers: {
      ...tusHeaders,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      'upload-length': String(length),
      'upload-metadata': `attachmentId ${Buffer.from(attachmentId).toString('base64')}`,
    },
  });
}

async function sendAll(t: TestServer, token: string, location: string, bytes: Buffer): Promise<Response> {
  return fetch(new URL(location, `${t.url}${attachmentUploadsPath}/`), {
    method: 'PATCH',
    headers: { ...tusHeaders, authorization: `Bearer ${token}`, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' },
    body: bytes,
  });
}

async function envelopeOf(response: Response) {
  return errorEnvelopeSchema.parse(JSON.parse(await response.text()));
}

describe('attachment files on the server', () => {
  let t: TestServer;
  let tech1: string;
  let tech2: string;
  let workOrderId: string;
  let uploadedId: string;
  let photo: Buffer;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 40 });
    tech1 = (await t.login('tech1')).accessToken;
    tech2 = (await t.login('tech2')).accessToken;
    const { changes } = await pullAll(t.url, tech1);
    const mine = changes.find((c) => c.entity === 'workOrder');
    if (!mine) throw new Error('tech1 has no work order');
    workOrderId = mine.id;
    photo = await cameraPhoto(640, 480, 80);
    uploadedId = await announce(t, tech1, workOrderId, { bytes: photo, kind: 'photo', mimeType: 'image/jpeg' });
    const created = await createUpload(t, tech1, uploadedId, photo.length);
    expect(created.status).toBe(201);
    const location = created.headers.get('location') ?? '';
    const sent = await sendAll(t, tech1, location, photo);
    expect(sent.status).toBe(204);
  });
  afterAll(async () => {
    await t.stop();
  });

  it('the owner downloads the file and its thumbnail; the record says uploaded', async () => {
    const file = await fetch(`${t.url}/api/v1/attachments/${uploadedId}/content`, { headers: { authorization: `Bearer ${tech1}` } });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(sha256(Buffer.from(await file.arrayBuffer()))).toBe(sha256(photo));
    const thumbnail = await fetch(`${t.url}/api/v1/attachments/${uploadedId}/thumbnail`, { headers: { authorization: `Bearer ${tech1}` } });
    expect(thumbnail.status).toBe(200);
    await thumbnail.arrayBuffer();
    const row = await t.server.db.selectFrom('records').select('data').where('id', '=', uploadedId).executeTakeFirstOrThrow();
    expect(JSON.parse(row.data)).toMatchObject({ uploaded: true });
  });

  it("another technician gets 403 for the file and for uploading to it; no token gets 401", async () => {
    const other = await fetch(`${t.url}/api/v1/attachments/${uploadedId}/content`, { headers: { authorization: `Bearer ${tech2}` } });
    expect(other.status).toBe(403);
    expect((await envelopeOf(other)).code).toBe('PERMISSION_DENIED');
    const anonymous = await fetch(`${t.url}/api/v1/attachments/${uploadedId}/content`);
    expect(anonymous.status).toBe(401);
    const foreignId = await announce(t, tech1, workOrderId, { bytes: photo, kind: 'photo', mimeType: 'image/jpeg' });
    const upload = await createUpload(t, tech2, foreignId, photo.length);
    expect(upload.status).toBe(403);
    expect((await envelopeOf(upload)).code).toBe('PERMISSION_DENIED');
    expect(existsSync(join(t.attachmentsDir, 'uploads', foreignId))).toBe(false);
    expect((await createUpload(t, null, foreignId, photo.length)).status).toBe(401);
  });

  it('an oversized upload is refused before a byte is stored', async () => {
    const size = 60 * 1024 * 1024;
    const id = await announce(t, tech1, workOrderId, { bytes: photo, kind: 'photo', mimeType: 'image/jpeg', size });
    const response = await createUpload(t, tech1, id, size);
    expect(response.status).toBe(413);
    expect(existsSync(join(t.attachmentsDir, 'uploads', id))).toBe(false);
  });

  it('a program renamed to .jpg, and a PNG announced as JPEG, are refused with 415 and nothing is kept', async () => {
    const program = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), Buffer.alloc(4096, 0x90)]);
    const png = await (await import('sharp')).default({ create: { width: 64, height: 64, channels: 3, background: '#336699' } }).png().toBuffer();
    const cases = [
      { bytes: program, kind: 'photo' as const, message: /is application\/x-msdownload; a photo must be one of: JPEG image/ },
      { bytes: png, kind: 'document' as const, message: /announced as image\/jpeg but its content is image\/png/ },
    ];
    for (const { bytes, kind, message } of cases) {
      const id = await announce(t, tech1, workOrderId, { bytes, kind, mimeType: 'image/jpeg' });
      const created = await createUpload(t, tech1, id, bytes.length);
      expect(created.status).toBe(201);
      const sent = await sendAll(t, tech1, created.headers.get('location') ?? '', bytes);
      expect(sent.status).toBe(415);
      const envelope = await envelopeOf(sent);
      expect(envelope.code).toBe('VALIDATION_ERROR');
      expect(envelope.message).toMatch(message);
      expect(readdirSync(join(t.attachmentsDir, 'uploads')).filter((name) => name.startsWith(id))).toEqual([]);
      const row = await t.server.db.selectFrom('records').select('data').where('id', '=', id).executeTakeFirstOrThrow();
      expect(JSON.parse(row.data)).toMatchObject({ uploaded: false });
    }
  });

  it('a deleted attachment takes its file with it', async () => {
    const id = await announce(t, tech1, workOrderId, { bytes: photo, kind: 'photo', mimeType: 'image/jpeg' });
    const created = await createUpload(t, tech1, id, photo.length);
    expect((await sendAll(t, tech1, created.headers.get('location') ?? '', photo)).status).toBe(204);
    const version = (await t.server.db.selectFrom('records').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
    const response = await push(t.url, tech1, [makeOp('attachment', id, 'delete', {}, version, 7)]);
    expect(response.results[0]?.status).toBe('applied');
    // The file goes after the tombstone commits.
    await expect.poll(() => existsSync(join(t.attachmentsDir, 'uploads', id))).toBe(false);
    const gone = await fetch(`${t.url}/api/v1/attachments/${id}/content`, { headers: { authorization: `Bearer ${tech1}` } });
    expect(gone.status).toBe(404);
  });

  it('a file comes as a download of its checked type, never to be rendered; nobody changes its type afterwards', async () => {
    const supervisor = (await t.login('super1')).accessToken;
    const row = await t.server.db.selectFrom('records').select('version').where('entity', '=', 'attachment').where('id', '=', uploadedId).executeTakeFirstOrThrow();
    const retyped = await push(t.url, supervisor, [makeOp('attachment', uploadedId, 'update', { mimeType: { base: 'image/jpeg', value: 'text/html' } }, row.version, 7)]);
    expect(retyped.results[0]).toMatchObject({ status: 'rejected', error: { code: 'VALIDATION_ERROR' } });
    const download = await fetch(`${t.url}/api/v1/attachments/${uploadedId}/content`, { headers: { authorization: `Bearer ${tech1}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="evidence\.jpg"/);
    expect(download.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(download.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    await download.arrayBuffer();
  });
});
