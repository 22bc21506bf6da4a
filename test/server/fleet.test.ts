import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import WebSocket from 'ws';
import { attachmentUploadsPath } from '../../src-shared/protocol/attachments';
import { tokenResponseSchema } from '../../src-shared/protocol/auth';
import { serverEventSchema, type ServerEvent } from '../../src-shared/protocol/events';
import { importReportSchema } from '../../src-shared/protocol/admin';
import { cameraPhoto, sha256 } from '../support/photos';
import { makeOp, pullAll, push } from '../support/sync-helpers';
import { api } from '../support/test-server';
import { freshDatabase } from '../support/test-database';

const root = resolve(import.meta.dirname, '..', '..');
const tus = { 'tus-resumable': '1.0.0' };

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A server process as IT runs it: `npm run server` with the environment of a fleet instance. */
async function startInstance(env: Record<string, string>): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-server', 'main.ts')], {
    cwd: root,
    env: { ...process.env, ...env, FIELDLINE_PORT: String(port), FIELDLINE_HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited: ${output}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { url, child, output: () => output };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not become ready: ${output}`);
}

async function login(url: string, username: string, password: string) {
  const answer = await api(url, '/api/v1/auth/login', { body: { username, password } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return tokenResponseSchema.parse(answer.body);
}

/** Two server processes, one PostgreSQL database, one shared attachment volume. */
describe('a fleet of two instances', () => {
  let a: Awaited<ReturnType<typeof startInstance>>;
  let b: Awaited<ReturnType<typeof startInstance>>;
  let drop: () => Promise<void>;
  let attachmentsDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const database = await freshDatabase('postgres');
    if (database.target.kind !== 'postgres') throw new Error('a fleet shares PostgreSQL');
    drop = database.drop;
    attachmentsDir = mkdtempSync(join(tmpdir(), 'fieldline-fleet-files-'));
    env = { DATABASE_URL: database.target.url, FIELDLINE_ATTACHMENTS_DIR: attachmentsDir, FIELDLINE_DEMO: '1' };
    // Both started with --demo at once: one seeds, the other waits and finds the data.
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
  }, 120_000);

  afterAll(async () => {
    for (const instance of [a, b]) instance?.child.kill('SIGTERM');
    await Promise.all([a, b].map((instance) => (instance?.child.exitCode === null ? new Promise((r) => instance.child.once('exit', r)) : Promise.resolve())));
    rmSync(attachmentsDir, { recursive: true, force: true });
    await drop?.();
  });

  it('a photo sent half through one instance resumes through the other, where a chunk in flight on the first is stopped, and either serves it', async () => {
    const { accessToken } = await login(a.url, 'tech1', 'fieldline');
    const workOrder = (await pullAll(a.url, accessToken)).changes.find((c) => c.entity === 'workOrder');
    if (!workOrder) throw new Error('tech1 has work orders');
    const photo = await cameraPhoto(1600, 1200, 90);
    const id = uuidv7();
    const values = { workOrderId: workOrder.id, kind: 'photo', fileName: 'pump.jpg', mimeType: 'image/jpeg', size: photo.length, sha256: sha256(photo), description: '', capturedAt: new Date().toISOString(), location: null };
    const created = await push(a.url, accessToken, [makeOp('attachment', id, 'create', Object.fromEntries(Object.entries(values).map(([f, v]) => [f, { base: null, value: v }])), 0, 7)]);
    expect(created.results[0]?.status).toBe('applied');
    const auth = { authorization: `Bearer ${accessToken}` };
    const made = await fetch(`${a.url}${attachmentUploadsPath}`, {
      method: 'POST',
      headers: { ...tus, ...auth, 'upload-length': String(photo.length), 'upload-metadata': `attachmentId ${Buffer.from(id).toString('base64')}` },
    });
    expect(made.status).toBe(201);
    const location = made.headers.get('location') ?? '';
    const at = (url: string) => new URL(location, `${url}${attachmentUploadsPath}/`).toString();
    const patch = (url: string, offset: number, body: Uint8Array | ReadableStream<Uint8Array>) =>
      fetch(at(url), { method: 'PATCH', headers: { ...tus, ...auth, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body, duplex: 'half' });

    // The first half goes to A; then A receives a chunk that stalls mid-way, as on a dying link.
    const half = Math.floor(photo.length / 2);
    expect((await patch(a.url, 0, photo.subarray(0, half))).status).toBe(204);
    // The upload's lock lives in the database while a request runs on it: the first half's is let go.
    const locks = new pg.Client({ connectionString: env.DATABASE_URL });
    await locks.connect();
    const heldLocks = async () => (await locks.query<{ n: number }>('select count(*)::int as n from upload_locks')).rows[0]?.n;
    await expect.poll(heldLocks, { timeout: 5_000 }).toBe(0);
    let stall: () => void = () => undefined;
    const stalled = patch(
      a.url,
      half,
      new ReadableStream({
        start(controller) {
          controller.enqueue(photo.subarray(half, half + 64 * 1024));
          stall = () => controller.close();
        },
      }),
    ).catch((error: unknown) => error);
    // A holds the lock for the stalled request.
    await expect.poll(heldLocks, { timeout: 5_000 }).toBe(1);
    await locks.end();

    // The device resumes through B: B asks A's request to let go, and takes over from what A stored.
    const head = await fetch(at(b.url), { method: 'HEAD', headers: { ...tus, ...auth } });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get('upload-offset'));
    expect(offset).toBeGreaterThanOrEqual(half);
    const resumed = await patch(b.url, offset, photo.subarray(offset));
    expect(resumed.status, await resumed.clone().text()).toBe(204);
    // A's stalled request was ended by A, its lock handed over: never two writers of one upload.
    const endedByServer = await Promise.race([stalled.then(() => true), new Promise((r) => setTimeout(() => r(false), 3000))]);
    stall();
    expect(endedByServer).toBe(true);

    // Another device downloads it through either instance, byte for byte; the thumbnail was made on B.
    const { accessToken: supervisor } = await login(b.url, 'super1', 'fieldline');
    const viaA = Buffer.from(await (await fetch(`${a.url}/api/v1/attachments/${id}/content`, { headers: { authorization: `Bearer ${supervisor}` } })).arrayBuffer());
    expect(sha256(viaA)).toBe(sha256(photo));
    const thumbnail = await fetch(`${a.url}/api/v1/attachments/${id}/thumbnail`, { headers: { authorization: `Bearer ${supervisor}` } });
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers.get('content-type')).toBe('image/jpeg');
  });

  it('IT creates the first admin with the CLI; an import through one instance reaches a device listening on the other at once', async () => {
    const made = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src-server', 'admin', 'admin-cli.ts'), 'create-user', '--username', 'it1', '--name', 'Ida IT', '--role', 'admin', '--sites', 'NTH', '--password', 'a-long-admin-secret', '--json'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: env.DATABASE_URL ?? '' },
      encoding: 'utf8',
    });
    expect(made.status, made.stderr).toBe(0);
    const { accessToken: admin } = await login(a.url, 'it1', 'a-long-admin-secret');
    const { accessToken: supervisor } = await login(b.url, 'super1', 'fieldline');

    const socket = new WebSocket(`${b.url.replace('http', 'ws')}/api/v1/sync/events`, { headers: { authorization: `Bearer ${supervisor}` } });
    const events: ServerEvent[] = [];
    socket.on('message', (data: Buffer) => events.push(serverEventSchema.parse(JSON.parse(data.toString()))));
    await new Promise((r) => socket.once('open', r));
    await expect.poll(() => events.some((e) => e.type === 'hello')).toBe(true);
    events.length = 0;

    const csv = 'externalId,site,partNumber,description,unit,quantity\nERP-P-1,NTH,FLT-900,Filter 900,pcs,12\n';
    const imported = await api(a.url, '/api/v1/admin/import/parts', { token: admin, rawBody: csv, headers: { 'content-type': 'text/csv' } });
    expect(importReportSchema.parse(imported.body).counts.created).toBe(1);
    await expect.poll(() => events.some((e) => e.type === 'changed'), { timeout: 5_000 }).toBe(true);
    socket.close();
  });
});
