import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderSchema } from '../../src-shared/domain/entities';
import { makeOp, pullAll, push } from '../support/sync-helpers';
import { launchChromium } from '../support/chromium';
import { startAppClient, type AppClient } from '../support/app-client';
import { openAppWindow, signInThroughUi } from '../support/app-window';
import { startTestServer, type TestServer } from '../support/test-server';

/** A technician's day and a supervisor's desk, in Debian's Chromium against the real server. */
const screenshots = join(import.meta.dirname, '../../test-results/screenshots');

describe('a technician’s day and a supervisor’s desk', () => {
  let t: TestServer;
  let browser: Browser;
  let tech: AppClient;
  let desk: AppClient;
  /** The technician's window, used throughout as a technician would (the shell serves one window per client). */
  let page: Page;
  /** The supervisor's window. */
  let deskPage: Page;

  const open = (app: AppClient, viewport?: { width: number; height: number }) => openAppWindow(browser, app, viewport);
  const signIn = (page: Page, user: string) => signInThroughUi(page, t.url, user);
  const shot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: false });

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    t = await startTestServer('sqlite', { workOrders: 120 });
    browser = await launchChromium();
    tech = await startAppClient();
    desk = await startAppClient();
  });
  afterAll(async () => {
    await browser?.close();
    await tech?.close();
    await desk?.close();
    await t?.stop();
  });

  it('a technician starts on My day: only their open work, overdue first, then today, then upcoming; rows are 44 px targets', async () => {
    page = await open(tech);
    await signIn(page, 'tech1');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('My day');
    const groups = await page.locator('tr.day-group th').allTextContents();
    expect(groups.length).toBeGreaterThan(0);
    const order = ['Overdue', 'Due today', 'Upcoming', 'No due date'];
    const seen = groups.map((g) => order.findIndex((label) => g.startsWith(label)));
    expect(seen.every((i) => i >= 0)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const statuses = await page.locator('tr.row-target td:nth-child(3)').allTextContents();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((s) => ['Completed', 'Closed', 'Cancelled'].includes(s))).toEqual([]);
    for (const box of await page.locator('tr.row-target').evaluateAll((rows) => rows.slice(0, 5).map((r) => r.getBoundingClientRect().height))) expect(box).toBeGreaterThanOrEqual(44);
    await shot(page, 'ux-01-my-day-1366');
    // The whole row opens the work order.
    await page.locator('tr.row-target td:nth-child(2)').first().click();
    await expect.poll(() => page.url()).toMatch(/#\/work-orders\/.+/);
    await page.goBack();
  });

  it('filters and the scroll position survive opening a work order and a reload; an empty result says how to widen it', async () => {
    await page.setViewportSize({ width: 1366, height: 600 });
    await page.getByRole('button', { name: 'All work orders' }).click();
    await page.getByLabel('Status').selectOption('completed');
    await expect.poll(() => page.locator('tr.row-target td:nth-child(3)').allTextContents()).not.toEqual([]);
    await page.getByLabel('Status').selectOption('');
    await page.evaluate('window.scrollTo(0, 400)');
    await page.waitForTimeout(400);
    await page.locator('tr.row-target td:nth-child(2)').nth(8).click();
    await expect.poll(() => page.url()).toMatch(/#\/work-orders\/.+/);
    await page.goBack();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Work orders');
    await expect.poll(() => page.evaluate<number>('Math.round(window.scrollY)')).toBeGreaterThan(300);

    await page.getByLabel('Search').fill('no such work order anywhere');
    await expect.poll(() => page.getByTestId('empty-list').textContent()).toContain('No work order matches these filters');
    await page.reload();
    await expect.poll(() => page.getByLabel('Search').inputValue()).toBe('no such work order anywhere');
    await shot(page, 'ux-02-empty-filtered');
    await page.getByTestId('empty-list').getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => page.locator('tr.row-target').count()).toBeGreaterThan(0);
    expect(await page.getByLabel('Search').inputValue()).toBe('');
  });

  it('at 1280×720 the header stays one row, with a queued change too', async () => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('button', { name: 'My day' }).click();
    const headerHeight = () => page.locator('header.app-header').evaluate((h) => h.getBoundingClientRect().height);
    await shot(page, 'ux-03-header-1280');
    expect(await headerHeight()).toBeLessThanOrEqual(70);
    // A change waits in the queue while the server does not answer: the header shows the count and keeps its height.
    await t.pause();
    await page.locator('tr.row-target td:nth-child(2)').first().click();
    const firstTask = page.getByRole('region', { name: /^Tasks/ }).getByRole('checkbox').first();
    await firstTask.click();
    await expect.poll(() => page.locator('header.app-header .count').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('sync-badge').textContent(), { timeout: 15_000 }).toMatch(/Offline|queued/);
    expect(await headerHeight()).toBeLessThanOrEqual(70);
    await shot(page, 'ux-03-header-1280-queued');
    await t.resume();
    await page.goBack();
    // 200 % zoom on a 1366×768 screen is a 683×384 page: the header scrolls away with the page instead of covering it.
    await page.setViewportSize({ width: 683, height: 384 });
    await page.getByRole('button', { name: 'All work orders' }).click();
    await page.evaluate('window.scrollTo(0, 600)');
    await expect.poll(() => page.locator('header.app-header').evaluate((h) => h.getBoundingClientRect().bottom)).toBeLessThanOrEqual(0);
    await shot(page, 'ux-05-zoom-200');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('close-out: a required task blocks completion; a sign-off is drawn and saved; the service report prints with it; the history says who changed what', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    const listed = (await tech.core.session.queries.list({ statuses: ['in-progress', 'assigned'], limit: 100 })).items;
    let target: { id: string; required: string } | null = null;
    for (const item of listed) {
      const wo = (await tech.core.session.queries.get(item.id)).workOrder;
      const open = wo.tasks.find((task) => task.required && !task.done);
      if (open && wo.status === 'in-progress') target = { id: wo.id, required: open.title };
    }
    if (!target) throw new Error('a work order in progress with a required task open');
    await page.goto(`${tech.shell.origin}/#/work-orders/${target.id}`);
    await page.getByRole('button', { name: 'Completed' }).click();
    await expect.poll(() => page.getByTestId('required-open').textContent()).toContain(target.required);
    await shot(page, 'ux-08-required-task');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await tech.core.session.queries.get(target.id)).workOrder.status).toBe('in-progress');

    // Tags on site (sent last), and the asset's earlier work at hand.
    await page.getByPlaceholder('Add to tags').fill('needs-scaffold');
    await page.getByRole('group', { name: 'Tags' }).getByRole('button', { name: 'Add' }).click();
    await expect.poll(async () => (await tech.core.session.queries.get(target.id)).workOrder.tags).toContain('needs-scaffold');
    if ((await tech.core.session.queries.get(target.id)).asset) {
      await page.getByRole('button', { name: 'Earlier work on this asset' }).click();
      await expect.poll(() => page.getByTestId('asset-history').textContent()).toMatch(/Earlier work on this asset/);
    }
    await page.getByRole('button', { name: 'Capture sign-off' }).click();
    await page.getByLabel('Name of the person signing').fill('Pat Client');
    const pad = page.getByTestId('signature-pad');
    const box = await pad.boundingBox();
    if (!box) throw new Error('the signature pad is shown');
    await page.mouse.move(box.x + 40, box.y + 120);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(box.x + 40 + i * 20, box.y + 120 + Math.sin(i / 2) * 40);
    await page.mouse.up();
    await shot(page, 'ux-09-sign-off');
    await page.getByRole('button', { name: 'Save sign-off' }).click();
    await expect.poll(async () => (await tech.core.session.queries.get(target.id)).attachments.map((a) => a.description)).toContain('Sign-off: Pat Client');

    await page.getByRole('button', { name: 'Service report' }).click();
    const report = page.getByTestId('service-report');
    await expect.poll(() => report.textContent()).toContain('Work done');
    await expect.poll(() => page.getByTestId('report-sign-off').locator('img').evaluate((img) => 'naturalWidth' in img && Number(img.naturalWidth) > 0)).toBe(true);
    expect(await page.getByTestId('report-sign-off').textContent()).toContain('Pat Client');
    await shot(page, 'ux-10-service-report');
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: join(screenshots, 'service-report.pdf'), format: 'A4' });
    expect(await page.locator('header.app-header').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    await page.getByRole('button', { name: '← Back to the work order' }).click();
    // A running labor timer shows on every other page, linked to its work order.
    await page.getByRole('button', { name: 'Start labor timer' }).click();
    await page.getByRole('button', { name: '← Work orders' }).click();
    const timers = page.getByRole('list', { name: 'Running labor timers' });
    await expect.poll(() => timers.textContent()).toMatch(/Labor timer running on WO-\d{6} for 0 min/);
    await timers.getByRole('link').click();
    await page.getByRole('button', { name: 'Stop and record' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Running labor timers' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show who changed what' }).click();
    // Who made the work order, and every change since, by name.
    await expect.poll(() => page.getByTestId('history').textContent()).toMatch(/Fieldline \(the server\): created it/);
  });

  it('a supervisor dispatches: each technician’s open load, the unassigned ones, and assigning asks first', async () => {
    deskPage = await open(desk);
    await signIn(deskPage, 'super1');
    await expect.poll(() => deskPage.getByRole('heading', { level: 1 }).textContent()).toBe('Work orders');
    const load = deskPage.getByRole('list', { name: 'Open work by technician' });
    await expect.poll(() => load.getByRole('button').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Alex Novak: \d+ open/)]));
    await shot(deskPage, 'ux-04-dispatch-load');
    await deskPage.getByLabel('Assigned to').selectOption('unassigned');
    await expect.poll(() => deskPage.locator('tr.row-target td:nth-child(6)').allTextContents()).not.toEqual([]);
    const assignees = await deskPage.locator('tr.row-target td:nth-child(6)').allTextContents();
    expect(new Set(assignees)).toEqual(new Set(['Not assigned']));
  });

  it('a supervisor triages: counts and filters, then decides several conflicts at once after a confirmation', async () => {
    // Three work orders where the office and the technician both wrote the notes from the same start.
    const office = await t.login('super1');
    const field = await t.login('tech1');
    const mine = (await pullAll(t.url, field.accessToken)).changes.flatMap((c) => {
      const parsed = workOrderSchema.safeParse(c.data);
      return parsed.success && parsed.data.status === 'in-progress' ? [parsed.data] : [];
    });
    const targets = mine.slice(0, 3);
    expect(targets.length).toBe(3);
    for (const wo of targets) {
      const version = (await t.server.db.selectFrom('records').select('version').where('id', '=', wo.id).executeTakeFirstOrThrow()).version;
      await push(t.url, office.accessToken, [makeOp('workOrder', wo.id, 'update', { completionNotes: { base: wo.completionNotes, value: 'Office: parts on back order' } }, version)], 'desk');
      await push(t.url, field.accessToken, [makeOp('workOrder', wo.id, 'update', { completionNotes: { base: wo.completionNotes, value: 'Field: replaced and tested' } }, version)], 'laptop');
    }
    await deskPage.getByRole('link', { name: /^Conflicts/ }).click();
    await deskPage.getByRole('tab', { name: 'My sites (server log)' }).click();
    await expect.poll(() => deskPage.getByTestId('conflict-counts').textContent(), { timeout: 20_000 }).toMatch(/^3 open conflicts:/);
    await deskPage.getByLabel('Technician').selectOption({ label: 'Alex Novak (3)' });
    await deskPage.getByLabel('Field').selectOption({ label: 'Completion notes (3)' });
    // Each side says who wrote it: the technician's and, on the server, the office's note by Maria Jensen.
    const first = deskPage.locator('[data-server-conflict]').first();
    await first.getByRole('button', { name: 'Compare' }).click();
    await expect.poll(() => first.locator('th').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^Alex Novak, /), expect.stringMatching(/^On the server: Maria Jensen, /)]));
    await first.getByRole('button', { name: 'Close' }).click();
    await deskPage.getByLabel('Select all shown').check();
    await deskPage.getByRole('button', { name: 'Keep the technicians’ values (3)' }).click();
    const dialog = deskPage.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('Each record takes the values the technician sent');
    // The keyboard stays in the dialog: Tab from its last button comes back to its first.
    await dialog.getByRole('button', { name: 'Keep the technicians’ values' }).focus();
    await deskPage.keyboard.press('Tab');
    expect(await deskPage.evaluate<string | null>('document.activeElement?.textContent ?? null')).toBe('Cancel');
    await shot(deskPage, 'ux-06-bulk-confirm');
    await dialog.getByRole('button', { name: 'Keep the technicians’ values' }).click();
    await expect.poll(() => deskPage.getByTestId('bulk-outcome').textContent(), { timeout: 20_000 }).toBe('Decided 3 conflicts.');
    for (const wo of targets) {
      const stored = workOrderSchema.parse(JSON.parse((await t.server.db.selectFrom('records').select('data').where('id', '=', wo.id).executeTakeFirstOrThrow()).data));
      expect(stored.completionNotes).toBe('Field: replaced and tested');
    }
    await shot(deskPage, 'ux-07-triage-after');
  });
});
