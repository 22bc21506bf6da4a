import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentMetaSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startAppClient, type AppClient } from '../support/app-client';
import { cameraPhoto, sha256 } from '../support/photos';
import { startTestServer, type TestServer } from '../support/test-server';

const screenshots = join(import.meta.dirname, '../../test-results/screenshots');

/**
 * A technician attaches work evidence offline in the real UI: a photo from the file picker, a
 * document dropped on the work order and a picture from the laptop's camera (Chromium's fake
 * camera); then the network comes back and every file reaches the server.
 */
describe('attachments in the desktop app', () => {
  let t: TestServer;
  let browser: Browser;
  let app: AppClient;
  let page: Page;

  const shot = (name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const states = () => page.getByTestId('attachment-state').allTextContents();

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    t = await startTestServer('sqlite', { workOrders: 30 });
    browser = await launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream']);
    app = await startAppClient();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    page.setDefaultTimeout(10_000);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await t?.stop();
  });

  it('attaches by picker, drag and drop and camera while offline, and uploads when the server is back', async () => {
    await page.goto(app.shell.launchUrl);
    await page.getByLabel('Server').fill(t.url);
    await page.getByLabel('User').fill('tech1');
    await page.getByLabel('Password').fill(demoPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('sync-badge').textContent(), { timeout: 20_000 }).toMatch(/Synced/);
    // My day groups its rows under headings: the work orders are the rows that open one.
    const rows = page.getByTestId('work-order-list').locator('tbody tr.row-target');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    await rows.first().getByRole('link').first().click();
    await expect.poll(() => page.getByRole('heading', { name: 'Photos and documents' }).count()).toBe(1);
    await t.pause();

    const photo = await cameraPhoto(2400, 1800);
    await page.getByLabel('Description for the next file').fill('Seal after replacement');
    await page.getByTestId('photo-input').setInputFiles({ name: 'seal.jpg', mimeType: 'image/jpeg', buffer: photo });
    await expect.poll(() => page.getByTestId('attachment').count(), { timeout: 15_000 }).toBe(1);

    // Page-side code as text: the tests compile without the DOM's types.
    const dropped = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['Pump 3: 4.2 bar after repair, no leak in 30 min.\\n'], 'readings.txt', { type: 'text/plain' }));
      return transfer;
    })()`);
    await page.getByTestId('drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await expect.poll(() => page.getByTestId('attachment').count(), { timeout: 15_000 }).toBe(2);

    await page.getByRole('button', { name: 'Take photo' }).click();
    const camera = page.getByRole('dialog', { name: 'Take a photo' });
    await expect.poll(() => page.evaluate("document.querySelector('.modal.camera video')?.videoWidth ?? 0"), { timeout: 10_000 }).toBeGreaterThan(0);
    await shot('13-camera');
    await camera.getByRole('button', { name: 'Take photo' }).click();
    await expect.poll(() => page.getByTestId('attachment').count(), { timeout: 15_000 }).toBe(3);

    // A file over the limit is refused with the reason, and nothing is added. Handing 26 MB to the
    // browser takes Playwright over 10 s on a loaded two-core machine (seen in a full run).
    await page.getByTestId('document-input').setInputFiles({ name: 'scan.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(26 * 1024 * 1024, 0x25) }, { timeout: 60_000 });
    await expect.poll(() => page.getByRole('alert').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringMatching(/scan\.pdf is 26\.0 MB; a document may be at most 25\.0 MB/));
    expect(await page.getByTestId('attachment').count()).toBe(3);
    expect(await states()).toEqual(Array(3).fill('Queued: uploads after the next sync'));
    await shot('14-attachments-offline');

    await page.getByRole('link', { name: /Queue/ }).click();
    await expect.poll(() => page.getByTestId('upload-state').allTextContents(), { timeout: 10_000 }).toEqual(Array(3).fill('Queued: uploads after the next sync'));
    await shot('15-upload-queue');

    await t.resume();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.getByText('Every photo and document is on the server.').count(), { timeout: 30_000 }).toBe(1);
    await page.goBack();
    await expect.poll(states, { timeout: 30_000 }).toEqual(Array(3).fill('On the server'));

    const records = await t.server.db.selectFrom('records').select('data').where('entity', '=', 'attachment').execute();
    const metas = records.map((r) => attachmentMetaSchema.parse(JSON.parse(r.data)));
    expect(metas.map((m) => [m.fileName.replace(/^photo-.*\.jpg$/, 'camera.jpg'), m.kind, m.uploaded]).sort()).toEqual([
      ['camera.jpg', 'photo', true],
      ['readings.txt', 'document', true],
      ['seal.jpg', 'photo', true],
    ]);
    for (const meta of metas) expect(sha256(readFileSync(join(t.attachmentsDir, 'uploads', meta.id)))).toBe(meta.sha256);
    expect(metas.find((m) => m.fileName === 'seal.jpg')?.description).toBe('Seal after replacement');

    await page.getByRole('button', { name: 'Open seal.jpg' }).click();
    await expect.poll(() => page.getByRole('dialog', { name: 'seal.jpg' }).count()).toBe(1);
    await expect.poll(() => page.evaluate("document.querySelector('.modal.viewer img')?.naturalWidth ?? 0"), { timeout: 10_000 }).toBe(1440);
    await shot('16-photo-viewer');
  });
});
