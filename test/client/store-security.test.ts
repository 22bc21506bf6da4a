import { createHash } from 'node:crypto';
import { readFileSync, statSync, openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, FieldlineError } from '../../src-shared/protocol/errors';
import { demoPassword } from '../../src-server/demo/seed-demo';
import { startTestServer, type TestServer } from '../support/test-server';
import { createTestClient, type TestClient } from '../support/test-client';
import { filesUnder } from '../support/files-under';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function expectCode(promise: Promise<unknown>, code: string): Promise<FieldlineError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(FieldlineError);
  if (!(error instanceof FieldlineError)) throw new Error('unreachable');
  expect(error.code).toBe(code);
  expect(errorEnvelopeSchema.parse(error.toEnvelope()).message.length).toBeGreaterThan(20);
  return error;
}

describe('the local store at rest', () => {
  let t: TestServer;
  let device: TestClient;
  beforeEach(async () => {
    t = await startTestServer('sqlite', { workOrders: 40 });
    device = createTestClient(t.clock);
  });
  afterEach(async () => {
    await device.dispose();
    await t.stop();
  });

  it('a string typed into a work order is nowhere in plaintext under the profile; logout leaves no store and no keychain entry', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [wo] = (await session.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    const secret = 'ZEBRA-7731-customer-safe-code';
    await session.workOrders.editNotes({ workOrderId: wo.id, completionNotes: `Gate code ${secret}` });
    const scan = () => {
      const files = filesUnder(device.profileDir);
      expect(files.some((f) => f.endsWith('fieldline.db-wal'))).toBe(true);
      for (const file of files) {
        const bytes = readFileSync(file);
        expect(bytes.includes(Buffer.from(secret, 'utf8')), file).toBe(false);
        expect(bytes.includes(Buffer.from(secret, 'utf16le')), file).toBe(false);
        expect(bytes.includes(Buffer.from('SQLite format 3')), `${file} is a plaintext SQLite file`).toBe(false);
      }
    };
    scan();
    await session.engine.sync('manual');
    scan();
    const { keyAccount, refreshTokenAccount } = session.paths;
    expect(await device.secrets.get(keyAccount)).toMatch(/^[0-9a-f]{64}$/);
    expect(await device.secrets.get(refreshTokenAccount)).not.toBeNull();
    await device.core.signOut();
    expect(filesUnder(device.profileDir).map((f) => f.slice(device.profileDir.length))).toEqual(['/settings.json']);
    expect(readFileSync(join(device.profileDir, 'settings.json'), 'utf8')).not.toContain(secret);
    expect(await device.secrets.get(keyAccount)).toBeNull();
    expect(await device.secrets.get(refreshTokenAccount)).toBeNull();
  });

  it('refuses to sign out with unsynced changes unless forced', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [wo] = (await session.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Voltage', value: 230, unit: 'V' });
    const error = await expectCode(device.core.signOut(), 'VALIDATION_ERROR');
    expect(error.details).toEqual({ queued: 1 });
    expect(await device.core.signOut({ force: true })).toEqual({ discardedChanges: 1 });
  });

  it('a missing key, a wrong key and a damaged file are clear errors and nothing is overwritten', async () => {
    const session = await device.core.signIn(t.url, 'tech1', demoPassword);
    await session.engine.sync('start');
    const [wo] = (await session.queries.list({ limit: 1 })).items;
    if (!wo) throw new Error('no work order');
    await session.workOrders.recordMeasurement({ workOrderId: wo.id, name: 'Voltage', value: 231, unit: 'V' });
    const { keyAccount, databaseFile } = session.paths;
    const key = await device.secrets.get(keyAccount);
    if (!key) throw new Error('no key');
    session.store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await device.core.close();
    const original = sha(databaseFile);

    await device.secrets.delete(keyAccount);
    await expectCode(device.core.resume(), 'STORE_LOCKED');
    expect(sha(databaseFile)).toBe(original);
    expect(await device.secrets.get(keyAccount)).toBeNull(); // no new key was made over the old database

    await device.secrets.set(keyAccount, 'ab'.repeat(32));
    await expectCode(device.core.resume(), 'STORE_LOCKED');
    expect(sha(databaseFile)).toBe(original);

    await device.secrets.set(keyAccount, key);
    const size = statSync(databaseFile).size;
    const fd = openSync(databaseFile, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    const damaged = sha(databaseFile);
    await expectCode(device.core.resume(), 'STORE_CORRUPT');
    expect(sha(databaseFile)).toBe(damaged);
  });
});
