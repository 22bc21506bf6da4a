import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import type { AppClient } from './app-client';

/** The app's window in Chromium, at a laptop's screen size unless told otherwise. */
export async function openAppWindow(browser: Browser, app: AppClient, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const page = await browser.newPage({ viewport });
  // Fail with the step's own message, well before the test's timeout.
  page.setDefaultTimeout(10_000);
  await page.goto(app.shell.launchUrl);
  return page;
}

/** Signs in through the sign-in screen, as a person would, and waits for the first sync. */
export async function signInThroughUi(page: Page, serverUrl: string, user: string): Promise<void> {
  await page.getByLabel('Server').fill(serverUrl);
  await page.getByLabel('User').fill(user);
  await page.getByLabel('Password').fill(demoPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('sync-badge').textContent(), { timeout: 20_000 }).toMatch(/Synced/);
}
