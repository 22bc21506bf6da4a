import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startThrottledProxy, type ThrottledProxy } from '../../bench/support/throttled-proxy';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { AttachmentMeta } from '../../src-shared/domain/entities';
import { sha256 } from '../support/photos';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import type { ActiveSession } from '../../src-main/core/session/client-core';

const root = join(import.meta.dirname, '..', '..');
/** The core's tus chunk: the most a resume may send twice. */
const chunkBytes = 512 * 1024;
/** Request headers, the HEADs of each resume, the small sync requests beside the upload. */
const overheadBytes = 64 * 1024;

/** A 5 MB PDF as a scanner makes them: incompressible content between the PDF markers. */
function scannedPdf(): Buffer {
  return Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(5 * 1024 * 1024), Buffer.from('\n%%EOF\n')]);
}

const storedBytes = (t: TestServer, id: string) => {
  const path = join(t.attachmentsDir, 'uploads', id);
  return existsSync(path) ? statSync(path).size : 0;
};

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets the queue drain: a cycle's own retries, then backoff and the next cycle, a few times. */
async function drainUploads(t: TestServer, session: ActiveSession): Promise<void> {
  for (let attempt = 0; attempt < 6; attempt++) {
    await session.engine.uploadsIdle();
    if ((await session.attachmentFiles.uploads()).length === 0) return;
    t.clock.advance(60_000);
    await session.engine.sync('connectivity');
  }
}

describe('an upload cut off mid-file resumes from what the server stored', () => {
  let t: TestServer;
  let link: ThrottledProxy;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 20 });
    // 8 Mbit/s: a 5 MB file takes about five seconds, long enough to cut it off in the middle.
    link = await startThrottledProxy(new URL(t.url), 4, 8_000);
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await link.close();
    await t.stop();
  });

  async function attachScan(): Promise<AttachmentMeta> {
    const session = await device.core.signIn(link.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const workOrder = (await session.queries.list({ limit: 1 })).items[0];
    if (!workOrder) throw new Error('no work order');
    return session.attachments.add({ workOrderId: workOrder.id, kind: 'document', fileName: 'pump-manual.pdf', contentBase64: scannedPdf().toString('base64') });
  }

  it('through a dropped connection and a server restart, sending each stored byte once', async () => {
    const meta = await attachScan();
    const session = device.core.session;
    const before = link.bytesUp();
    await session.engine.sync('manual');
    await until('a third has arrived', () => storedBytes(t, meta.id) > meta.size / 3);
    link.cut(); // the network drops: tus retries on a new connection
    await until('two thirds have arrived', () => storedBytes(t, meta.id) > (2 * meta.size) / 3);
    await t.restart(); // the server goes away mid-chunk and comes back on the same port
    // If the restart outlasted tus's own retries, the next cycle resumes where the server stopped.
    await drainUploads(t, session);
    expect(await session.attachmentFiles.uploads()).toEqual([]);
    expect(sha256(readFileSync(join(t.attachmentsDir, 'uploads', meta.id)))).toBe(meta.sha256);
    const sent = link.bytesUp() - before;
    // Only the chunks in flight at the two cuts may go twice.
    expect(sent).toBeLessThan(meta.size + 2 * chunkBytes + overheadBytes);
    console.info(`resume after drop + restart: ${meta.size} B file, ${sent} B sent (${(((sent - meta.size) / meta.size) * 100).toFixed(1)} % more)`);
  });

  it('after the app is killed (SIGKILL) in the middle of the file', async () => {
    const meta = await attachScan();
    await device.core.close();
    const before = link.bytesUp();
    // Node itself, not the tsx launcher: SIGKILL to a launcher would leave its child running.
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-main', 'shell', 'cli.ts'), '--profile', device.profileDir, '--keychain-service', device.service, 'sync'], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await until(`the killed app's upload is under way (${stderr})`, () => storedBytes(t, meta.id) > meta.size / 3);
    child.kill('SIGKILL');
    await exited;
    // The proxy still delivers what the dead process had handed it (up to a chunk, paced); a laptop
    // does not restart the app within that moment. Restart once the server's copy stops growing.
    let settled = -1;
    while (settled !== storedBytes(t, meta.id)) {
      settled = storedBytes(t, meta.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const storedAtKill = storedBytes(t, meta.id);
    expect(storedAtKill).toBeLessThan(meta.size);

    const session = await (await device.restart()).resume();
    if (!session) throw new Error('the session did not come back');
    const queued = await session.attachmentFiles.uploads();
    expect(queued.map((u) => u.fileName)).toEqual(['pump-manual.pdf']);
    await session.engine.sync('start');
    // The killed run's request can hold the upload's lock a while on a busy machine: back off, try again.
    await drainUploads(t, session);
    expect(await session.attachmentFiles.uploads()).toEqual([]);
    expect(sha256(readFileSync(join(t.attachmentsDir, 'uploads', meta.id)))).toBe(meta.sha256);
    const sent = link.bytesUp() - before;
    expect(sent).toBeLessThan(meta.size + chunkBytes + overheadBytes);
    console.info(`resume after SIGKILL: ${storedAtKill} B stored at the kill, ${sent} B sent in all for a ${meta.size} B file`);
  });
});
