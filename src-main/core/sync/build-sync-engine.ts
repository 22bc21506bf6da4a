import type { Logger } from 'pino';
import type { Clock } from '../../../src-shared/sync/clock';
import type { SettingsStore } from '../settings/settings-store';
import type { OpenStore } from '../store/open-store';
import type { AuthSession } from '../auth/auth-session';
import { SyncEngine, type Timers } from './sync-engine';
import { AttachmentTransfer } from '../attachments/attachment-transfer';
import { AttachmentVault } from '../attachments/attachment-vault';
import { systemNetworkCost, type NetworkCostProbe } from '../attachments/network-cost';
import type { SyncApi } from './sync-api';

export interface SyncEngineParts {
  store: OpenStore;
  api: SyncApi;
  auth: AuthSession;
  settings: SettingsStore;
  clock: Clock;
  logger: Logger;
  random?: (() => number) | undefined;
  timers?: Timers | undefined;
  sync?: { maxOpsPerBatch?: number; maxBytesPerBatch?: number; pageSize?: number } | undefined;
  attachmentsDir: string;
  /** Whether the network is metered; by default the operating system is asked. */
  network?: NetworkCostProbe | undefined;
}

/** The one place an engine is wired to a store and the device's settings, on whichever thread runs it. */
export function buildSyncEngine(parts: SyncEngineParts): SyncEngine {
  const { settings, store } = parts;
  const random = parts.random ?? Math.random;
  const attachments = new AttachmentTransfer({
    db: store.db,
    vault: new AttachmentVault(parts.attachmentsDir),
    api: parts.api,
    auth: parts.auth,
    clock: parts.clock,
    random,
    logger: parts.logger,
    network: parts.network ?? systemNetworkCost(),
    largeUploadsUnmeteredOnly: () => settings.get().largeUploadsUnmeteredOnly,
    keptOfflineWorkOrders: () => settings.get().keepOffline.workOrders,
  });
  return new SyncEngine({
    attachments,
    db: store.db,
    api: parts.api,
    auth: parts.auth,
    clock: parts.clock,
    logger: parts.logger,
    deviceId: settings.get().deviceId,
    ...(parts.random ? { random: parts.random } : {}),
    ...(parts.timers ? { timers: parts.timers } : {}),
    // Read on every use: the settings screen changes them while the worker runs.
    intervalMs: () => settings.get().syncIntervalMinutes * 60_000,
    narrowing: () => settings.get().keepOffline,
    checkpoint: () => store.checkpoint(),
    ...parts.sync,
  });
}
