import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { fixedNetworkCost, type NetworkCostProbe } from '../../src-main/core/attachments/network-cost';
import { ClientCore } from '../../src-main/core/session/client-core';
import { KeytarSecretStore } from '../../src-main/core/secrets/keytar-secret-store';
import type { Clock } from '../../src-shared/sync/clock';

export interface TestClient {
  core: ClientCore;
  profileDir: string;
  secrets: KeytarSecretStore;
  service: string;
  /** A new ClientCore on the same profile dir and keychain service: an app restart. */
  restart(): Promise<ClientCore>;
  dispose(): Promise<void>;
}

/** A device: a temp profile dir and the real OS keychain (a private keytar service per device). */
export function createTestClient(clock: Clock, options: { pageSize?: number; maxOpsPerBatch?: number; networkCost?: NetworkCostProbe; syncInWorkerThread?: boolean } = {}): TestClient {
  const profileDir = mkdtempSync(join(tmpdir(), 'fieldline-profile-'));
  const service = `FieldlineTest-${uuidv7()}`;
  const secrets = new KeytarSecretStore(service);
  const { networkCost, syncInWorkerThread, ...sync } = options;
  // Tests never ask the machine's network: unmetered unless a test says otherwise.
  const make = () =>
    new ClientCore({ profileDir, secrets, clock, random: () => 0.5, sync, networkCost: networkCost ?? fixedNetworkCost('unmetered'), ...(syncInWorkerThread ? { syncInWorkerThread } : {}) });
  const client: TestClient = {
    core: make(),
    profileDir,
    secrets,
    service,
    async restart() {
      await client.core.close();
      client.core = make();
      return client.core;
    },
    async dispose() {
      await client.core.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
  return client;
}
