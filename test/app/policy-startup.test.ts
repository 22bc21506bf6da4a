import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startAppClient } from '../support/app-client';
import { startTestServer, type TestServer } from '../support/test-server';

describe('the app under an IT policy', () => {
  let t: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'fieldline-policy-app-'));
  beforeAll(async () => {
    t = await startTestServer('sqlite', { workOrders: 10 });
  });
  afterAll(async () => t.stop());

  it('starts with a clear message when the policy file is invalid', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"serverUrl": 42}');
    const app = await startAppClient({ policyFile: file });
    try {
      const reply = await app.router.handle('session.get', {});
      expect(reply).toMatchObject({ ok: true, value: { session: null, serverLocked: false, policyError: expect.stringMatching(/policy file .* is not valid.*serverUrl/) } });
    } finally {
      await app.close();
    }
  });

  it('presets and locks the server; signing in elsewhere is refused', async () => {
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ serverUrl: t.url, allowServerChange: false }));
    const app = await startAppClient({ policyFile: file });
    try {
      expect(await app.router.handle('session.get', {})).toMatchObject({ ok: true, value: { serverUrl: t.url, serverLocked: true, policyError: null } });
      const elsewhere = await app.router.handle('session.signIn', { serverUrl: 'http://127.0.0.1:9', username: 'tech1', password: demoPassword });
      expect(elsewhere).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
      const here = await app.router.handle('session.signIn', { serverUrl: t.url, username: 'tech1', password: demoPassword });
      expect(here.ok).toBe(true);
      const changed = await app.router.handle('settings.update', { serverUrl: 'https://other.example' });
      expect(changed).toMatchObject({ ok: false });
    } finally {
      await app.close();
    }
  });
});
