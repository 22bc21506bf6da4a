import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assetSchema } from '../../src-shared/domain/entities';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { demoPeople } from '../support/demo-people';
import { makeOp, push } from '../support/sync-helpers';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';

const root = join(import.meta.dirname, '..', '..');

function cli(profileDir: string, service: string, ...args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src-main', 'shell', 'cli.ts'), '--profile', profileDir, '--keychain-service', service, ...args], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

/** The CLI tells the truth: a sync that leaves refused or failed changes says so, and exits 3. */
describe('the CLI after a refused change', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('sync exits 3 and lists what was refused; notices lists what the technician must know', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const wo = (await session.queries.list({ statuses: ['in-progress'], limit: 100 })).items.find((w) => w.assetId !== null);
    if (!wo?.assetId) throw new Error('no work order with an asset');
    await session.workOrders.setAssetStatus({ workOrderId: wo.id, status: 'failed' });
    // The office moves the asset to a site tech1 does not work at.
    const { tech1 } = await demoPeople(t);
    const office = await t.login('super1');
    const elsewhere = office.user.siteIds.find((s) => !tech1.siteIds.includes(s)) ?? '';
    const row = await t.server.db.selectFrom('records').select(['data', 'version']).where('entity', '=', 'asset').where('id', '=', wo.assetId).executeTakeFirstOrThrow();
    await push(t.url, office.accessToken, [makeOp('asset', wo.assetId, 'update', { siteId: { base: assetSchema.parse(JSON.parse(row.data)).siteId, value: elsewhere } }, row.version)], 'desk');
    await device.core.close();

    const synced = await cli(device.profileDir, device.service, 'sync');
    expect(synced.code).toBe(3);
    expect(synced.stdout).toMatch(/1 refused by the server/);
    expect(synced.stdout).toMatch(/Refused: [A-Z]+-[A-Z]+-\d+ .+ — Asset [A-Z]+-[A-Z]+-\d+: failed: This asset is at a site you do not work at/);
    const again = await cli(device.profileDir, device.service, 'sync');
    expect(again.code).toBe(3);
    const notices = await cli(device.profileDir, device.service, 'notices');
    expect(notices.code).toBe(0);
  });
});
