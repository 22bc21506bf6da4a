import type { Logger } from 'pino';
import type { Clock } from '../../../src-shared/sync/clock';
import type { SettingsStore } from '../settings/settings-store';
import type { OpenStore } from '../store/open-store';
import type { AuthSession } from './auth-session';
import { SyncEngine, type Timers } from './sync-engine';
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
}

/** The one place an engine is wired to a store and the device's settings, on whichever thread runs it. */
export function buildSyncEngine(parts: SyncEngineParts): SyncEngine {
  const { settings, store } = parts;
  return new SyncEngine({
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
