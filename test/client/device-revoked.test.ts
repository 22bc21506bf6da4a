import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { fixedNetworkCost } from '../../src-main/core/attachments/network-cost';
import { ClientCore, type DeviceRevokedOutcome } from '../../src-main/core/session/client-core';
import { KeytarSecretStore } from '../../src-main/core/secrets/keytar-secret-store';
import { conflictSchema } from '../../src-shared/protocol/conflicts';
import { deviceSchema } from '../../src-shared/protocol/admin';
import { createUser } from '../../src-server/auth/users';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { demoPeople } from '../support/demo-people';
import { api, startTestServer, type TestServer } from '../support/test-server';

/** A laptop reported lost or stolen. */
describe('a laptop IT revokes', () => {
  let t: TestServer;
  const secrets = new KeytarSecretStore(`FieldlineTest-${uuidv7()}`);
  let dir: string;
  // While above zero, that many hand-overs are answered 500, as by a server in trouble.
  let failHandOvers = 0;
  beforeEach(async () => {
    failHandOvers = 0;
    t = await startTestServer('sqlite', {
      workOrders: 30,
      extend: (app) =>
        app.addHook('onRequest', async (request, reply) => {
          if (request.url !== '/api/v1/sync/hand-over' || failHandOvers === 0) return;
          failHandOvers -= 1;
          await reply.code(500).send({ code: 'SERVER_ERROR', message: 'The server failed to handle this request; try again later' });
        }),
    });
    dir = mkdtempSync(join(tmpdir(), 'fieldline-revoked-'));
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.stop();
  });

  it('hands its unsent change to the supervisors, removes its data and keychain entries, and cannot sign in again', async () => {
    let revoked: (outcome: DeviceRevokedOutcome) => void = () => undefined;
    const wiped = new Promise<DeviceRevokedOutcome>((resolve) => (revoked = resolve));
    const core = new ClientCore({ profileDir: dir, secrets, clock: t.clock, random: () => 0.5, networkCost: fixedNetworkCost('unmetered'), deviceName: 'TOUGHBOOK-0042', onDeviceRevoked: (outcome) => revoked(outcome) });
    const session = await core.signIn(t.url, 'tech1', demoPassword);
    expect((await session.engine.sync('start')).ok).toBe(true);
    const [wo] = (await session.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('tech1 has work orders');

    const { super1 } = await demoPeople(t);
    await createUser({ db: t.server.db, dialect: 'sqlite', clock: t.clock, hub: t.server.hub }, { username: 'it1', password: demoPassword, displayName: 'Ida IT', role: 'admin', siteIds: super1.siteIds });
    const { accessToken: admin } = await t.login('it1');
    const devices = z.object({ devices: z.array(deviceSchema) }).parse((await api(t.url, '/api/v1/admin/devices', { token: admin })).body).devices;
    const laptop = devices.find((d) => d.name === 'TOUGHBOOK-0042');
    expect(laptop?.userName).toBe('tech1');
    if (!laptop) throw new Error('the laptop signed in by its name');
    expect((await api(t.url, `/api/v1/admin/devices/${laptop.deviceId}/revoke`, { token: admin, body: {} })).status).toBe(200);

    // Written while the laptop still works offline; it reaches the server after the revocation.
    await session.workOrders.editNotes({ workOrderId: wo.id, completionNotes: 'written before the laptop went missing' });
    // The first hand-over meets a server error: nothing is removed then, and the laptop tries again
    // (its worker meets DEVICE_REVOKED once more); wiped after the failure, the change would be lost.
    failHandOvers = 1;
    await session.engine.sync('manual');
    expect(await wiped).toEqual({ handedOver: 1, notHandedOver: 0 });
    expect(failHandOvers).toBe(0);

    expect(core.signedIn).toBe(false);
    expect(existsSync(session.paths.dir)).toBe(false);
    expect(await secrets.get(session.paths.keyAccount)).toBeNull();
    expect(await secrets.get(session.paths.refreshTokenAccount)).toBeNull();
    const stored = await t.server.db.selectFrom('records').select('data').where('id', '=', wo.id).executeTakeFirstOrThrow();
    expect(stored.data).not.toContain('written before the laptop went missing');
    const { accessToken: supervisor } = await t.login('super1');
    const conflicts = z.object({ conflicts: z.array(conflictSchema) }).parse((await api(t.url, '/api/v1/conflicts?status=open', { token: supervisor })).body).conflicts;
    expect(conflicts.find((c) => c.recordId === wo.id)?.fields.find((f) => f.field === 'completionNotes')?.local).toBe('written before the laptop went missing');
    await expect(core.signIn(t.url, 'tech1', demoPassword)).rejects.toMatchObject({ code: 'DEVICE_REVOKED' });
    await core.close();
  });
});
