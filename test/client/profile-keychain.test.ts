import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { fixedNetworkCost } from '../../src-main/core/attachments/network-cost';
import { ClientCore } from '../../src-main/core/session/client-core';
import { KeytarSecretStore } from '../../src-main/core/secrets/keytar-secret-store';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';

/** Two profiles of the same user on the same server, one keychain (two Windows accounts' worth of one laptop, or a test profile beside the real one). */
describe('keychain entries belong to one profile', () => {
  let t: TestServer;
  const service = `FieldlineTest-${uuidv7()}`;
  const secrets = new KeytarSecretStore(service);
  const dirs: string[] = [];
  const cores: ClientCore[] = [];
  const profile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'fieldline-profile-'));
    dirs.push(dir);
    const core = new ClientCore({ profileDir: dir, secrets, clock: t.clock, random: () => 0.5, networkCost: fixedNetworkCost('unmetered') });
    cores.push(core);
    return { dir, core };
  };
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 30 });
  });
  afterEach(async () => {
    for (const core of cores.splice(0)) await core.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    await t.stop();
  });

  it('signing out of one profile leaves the other’s key, token and unsynced change alone', async () => {
    const a = profile();
    const b = profile();
    const sessionA = await a.core.signIn(t.url, 'tech1', demoPassword);
    const sessionB = await b.core.signIn(t.url, 'tech1', demoPassword);
    expect(sessionA.paths.keyAccount).not.toBe(sessionB.paths.keyAccount);
    expect((await sessionB.engine.sync('start')).ok).toBe(true);
    const [wo] = (await sessionB.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    await sessionB.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'only on profile B' });

    await a.core.signOut({ force: true });
    expect(await secrets.get(sessionA.paths.keyAccount)).toBeNull();

    // B, restarted, opens its store, reads its change, and syncs with its own refresh token.
    await b.core.close();
    const again = new ClientCore({ profileDir: b.dir, secrets, clock: t.clock, random: () => 0.5, networkCost: fixedNetworkCost('unmetered') });
    cores.push(again);
    const resumed = await again.resume();
    if (!resumed) throw new Error('profile B lost its session');
    expect((await resumed.queries.get(wo.id)).workOrder.completionNotes).toBe('only on profile B');
    expect((await resumed.engine.sync('manual')).ok).toBe(true);
    expect(await resumed.outbox.list()).toEqual([]);
  });

  it('a store made before entries were per profile keeps opening: its entries are copied to the profile’s own', async () => {
    const a = profile();
    const session = await a.core.signIn(t.url, 'tech1', demoPassword);
    const { keyAccount, refreshTokenAccount, legacy } = session.paths;
    const key = await secrets.get(keyAccount);
    const token = await secrets.get(refreshTokenAccount);
    await a.core.close();
    // As the previous version left them: under the accounts without the profile's device id.
    await secrets.set(legacy.keyAccount, key ?? '');
    await secrets.set(legacy.refreshTokenAccount, token ?? '');
    await secrets.delete(keyAccount);
    await secrets.delete(refreshTokenAccount);

    const resumed = await a.core.resume();
    expect(resumed).not.toBeNull();
    expect(await secrets.get(keyAccount)).toBe(key);
    expect((await resumed?.engine.sync('manual'))?.ok).toBe(true);
    await secrets.delete(legacy.keyAccount);
    await secrets.delete(legacy.refreshTokenAccount);
  });
});
