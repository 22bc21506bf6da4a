import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { User } from '../../../src-shared/domain/entities';
import { FieldlineError } from '../../../src-shared/protocol/errors';
import { actionFor } from '../../../src-shared/sync/retry-policy';
import type { SessionInfo } from '../../../src-shared/settings/settings-schema';
import { systemClock, type Clock } from '../../../src-shared/sync/clock';
import { AttachmentCommands } from '../attachments/attachment-commands';
import { AttachmentQueries } from '../attachments/attachment-queries';
import { AttachmentVault } from '../attachments/attachment-vault';
import { systemNetworkCost, type NetworkCostProbe } from '../attachments/network-cost';
import { ConflictResolution } from '../conflicts/conflict-resolution';
import { NoteDraftStore } from '../work-orders/note-drafts';
import { OutboxActions } from '../outbox/outbox-actions';
import type { LocalWriteResult } from '../outbox/local-writes';
import type { SecretStore } from '../secrets/secret-store';
import { SettingsStore } from '../settings/settings-store';
import type { LoadedPolicy } from '../settings/policy-file';
import { loadOrCreateDatabaseKey, openEncryptedStore, type OpenStore } from '../store/open-store';
import { storePaths, type StorePaths } from '../store/profile-paths';
import { AuthSession } from '../auth/auth-session';
import { SyncApi } from '../sync/sync-api';
import type { Timers } from '../sync/sync-engine';
import { buildSyncEngine } from '../sync/build-sync-engine';
import { handOverUnsentWork } from '../auth/device-revoked';
import type { SyncRunner } from '../sync/sync-runner';
import { SyncWorkerHost } from '../sync/sync-worker-host';
import { WorkOrderCommands } from '../work-orders/work-order-commands';
import { WorkOrderQueries } from '../work-orders/work-order-queries';

export interface ClientCoreOptions {
  profileDir: string;
  secrets: SecretStore;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  timers?: Timers;
  /** Batch and page sizes; the defaults suit a field laptop on a slow link. */
  sync?: { maxOpsPerBatch?: number; maxBytesPerBatch?: number; pageSize?: number };
  /**
   * Run the sync worker in a worker thread (the desktop app and the browser shell), so the thread
   * that answers the UI never waits for a sync. The CLI, the tests and the bench run it inline,
   * where a fake clock and timers can drive it.
   */
  syncInWorkerThread?: boolean;
  /** The settings file's store: electron-store under Electron; by default its Node base library, conf. */
  settingsBackend?: ConstructorParameters<typeof SettingsStore>[1];
  /** IT's machine-wide policy, loaded by the app shell (policy-file.ts). */
  policy?: LoadedPolicy;
  /** Whether the network is metered, for the inline engine; by default the OS is asked. */
  networkCost?: NetworkCostProbe;
  /** The name IT sees for this laptop; by default its machine name. */
  deviceName?: string;
  /** Told when IT revoked this laptop and its data was removed (the app shows why it is signed out). */
  onDeviceRevoked?: (outcome: DeviceRevokedOutcome) => void;
}

/** What happened when IT revoked this laptop: how much unsent work went to the supervisors, and how much could not. */
export interface DeviceRevokedOutcome {
  handedOver: number;
  notHandedOver: number;
}

/** Everything that exists while a user is signed in: their store, their tokens, their sync worker. */
/**
 * A store made before keychain entries were per profile: its entries are copied to the profile's
 * own accounts. Only for a store this profile holds: a new one gets a key of its own.
 */
async function adoptLegacySecrets(secrets: SecretStore, paths: StorePaths): Promise<void> {
  if (!existsSync(paths.databaseFile)) return;
  for (const [own, legacy] of [
    [paths.keyAccount, paths.legacy.keyAccount],
    [paths.refreshTokenAccount, paths.legacy.refreshTokenAccount],
  ] as const) {
    if ((await secrets.get(own)) !== null) continue;
    const secret = await secrets.get(legacy);
    if (secret !== null) await secrets.set(own, secret);
  }
}

export class ActiveSession {
  readonly workOrders: WorkOrderCommands;
  readonly queries: WorkOrderQueries;
  readonly outbox: OutboxActions;
  readonly noteDrafts: NoteDraftStore;
  readonly conflicts: ConflictResolution;
  readonly attachments: AttachmentCommands;
  readonly attachmentFiles: AttachmentQueries;

  constructor(
    readonly info: SessionInfo,
    readonly paths: StorePaths,
    readonly store: OpenStore,
    readonly api: SyncApi,
    readonly auth: AuthSession,
    readonly engine: SyncRunner,
    clock: Clock,
    network: NetworkCostProbe,
    largeOnlyUnmetered: () => boolean,
  ) {
    const user: User = { id: info.userId, username: info.username, displayName: info.displayName, role: info.role, siteIds: info.siteIds };
    const changed = (result: LocalWriteResult) => engine.onLocalChange(result.priority);
    this.workOrders = new WorkOrderCommands(store.db, clock, () => user, changed);
    this.queries = new WorkOrderQueries(store.db);
    this.outbox = new OutboxActions(store.db, clock);
    this.noteDrafts = new NoteDraftStore(store.db, clock);
    this.conflicts = new ConflictResolution(store.db, clock, changed);
    const vault = new AttachmentVault(paths.attachmentsDir);
    this.attachments = new AttachmentCommands(store.db, clock, vault, () => user, changed);
    this.attachmentFiles = new AttachmentQueries(store.db, vault, engine, network, largeOnlyUnmetered, () => clock.now());
  }
}

/**
 * The client core (docs/architecture.md: src-main/core): one per profile directory. It runs the same way
 * under Electron, in the browser shell and in the CLI; nothing here knows which.
 */
export class ClientCore {
  readonly settings: SettingsStore;
  private active: ActiveSession | null = null;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: ClientCoreOptions) {
    this.settings = new SettingsStore(options.profileDir, options.settingsBackend, options.policy ?? null);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  get session(): ActiveSession {
    if (!this.active) throw new FieldlineError('AUTH_ERROR', 'Sign in first');
    return this.active;
  }

  get profileDir(): string {
    return this.options.profileDir;
  }

  get signedIn(): boolean {
    return this.active !== null;
  }

  /** Reopens the signed-in user's store after a restart; the tokens come back from the keychain. */
  async resume(): Promise<ActiveSession | null> {
    const info = this.settings.get().session;
    if (!info) return null;
    if (this.active) return this.active;
    this.active = await this.openSession(info, new SyncApi(info.serverUrl));
    return this.active;
  }

  async signIn(serverUrl: string, username: string, password: string): Promise<ActiveSession> {
    if (this.active) return this.signInAgain(this.active, serverUrl, username, password);
    this.settings.checkAllowed({ serverUrl });
    const api = new SyncApi(serverUrl);
    const tokens = await api.login(username, password, this.device());
    const paths = storePaths(this.options.profileDir, serverUrl, tokens.user.id, this.settings.get().deviceId);
    const info: SessionInfo = {
      serverUrl,
      userId: tokens.user.id,
      username: tokens.user.username,
      displayName: tokens.user.displayName,
      role: tokens.user.role,
      siteIds: tokens.user.siteIds,
      storeName: paths.storeName,
    };
    // The refresh token goes to the keychain before the worker could need it.
    await new AuthSession(api, this.options.secrets, paths.refreshTokenAccount).adopt(tokens);
    const session = await this.openSession(info, api, tokens.accessToken);
    this.settings.update({ session: info, serverUrl });
    this.active = session;
    return session;
  }

  /**
   * docs/keeping-work-safe.md: a sign-in that expired or was revoked (away too long, a server restore, a token
   * replayed) is renewed by the same user's password on the same profile, and everything stays:
   * store, queue, conflicts, attachments. Another person must first sync or knowingly discard the
   * work queued here (sign out), so nobody's changes go out under someone else's name.
   */
  private async signInAgain(active: ActiveSession, serverUrl: string, username: string, password: string): Promise<ActiveSession> {
    if (new URL(serverUrl).origin !== new URL(active.info.serverUrl).origin) {
      throw new FieldlineError('VALIDATION_ERROR', `This laptop is signed in to ${active.info.serverUrl}. Sign out first to use another server.`);
    }
    const tokens = await active.api.login(username, password, this.device());
    if (tokens.user.id !== active.info.userId) {
      await active.api.logout(tokens.refreshToken).catch(() => undefined);
      const queued = Number((await active.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const waiting = queued > 0 ? ` with ${queued} change(s) not yet on the server` : '';
      throw new FieldlineError(
        'VALIDATION_ERROR',
        `${active.info.displayName} is signed in on this laptop${waiting}. ${active.info.displayName} signs in again to sync them, or signs out (which discards them), before ${tokens.user.displayName} can sign in.`,
        { signedIn: active.info.username, queued },
      );
    }
    await active.auth.adopt(tokens);
    active.engine.signedInAgain();
    this.logger.info({ user: active.info.username }, 'signed in again; store and queue kept');
    return active;
  }

  private device(): { id: string; name: string } {
    return { id: this.settings.get().deviceId, name: (this.options.deviceName ?? hostname()).slice(0, 100) || 'unnamed laptop' };
  }

  /**
   * IT revoked this laptop (the server answered DEVICE_REVOKED): its unsent work is handed to the
   * supervisors (device-revoked.ts), then its data goes as on sign-out. Without an answer from the
   * server, or with one that may change (a server error, a wait), nothing is removed; the next
   * answer tries again.
   */
  private async revoked(session: ActiveSession): Promise<void> {
    if (this.active !== session || this.revoking) return;
    this.revoking = true;
    try {
      await session.engine.stop();
      const refreshToken = await this.options.secrets.get(session.paths.refreshTokenAccount);
      let outcome: DeviceRevokedOutcome;
      try {
        const handed = await handOverUnsentWork(session.store.db, session.api, this.settings.get().deviceId, refreshToken);
        outcome = { handedOver: handed.handedOver, notHandedOver: handed.kept };
      } catch (error) {
        // Only a refusal that will never change (the ended sign-in not accepted, ops the server
        // cannot read) lets the data go unhanded; a server that is down or busy is asked again.
        if (!(error instanceof FieldlineError) || actionFor(error.code) === 'retry') {
          session.engine.start();
          throw error;
        }
        const queued = await this.queuedChanges(session);
        this.logger.error({ err: error, queued }, 'the server refused the hand-over of a revoked laptop');
        outcome = { handedOver: 0, notHandedOver: queued };
      }
      await this.wipe(session);
      this.logger.warn({ ...outcome }, 'this laptop was revoked by IT: unsent work handed over, data removed');
      this.options.onDeviceRevoked?.(outcome);
    } finally {
      this.revoking = false;
    }
  }

  private revoking = false;

  private async queuedChanges(session: ActiveSession): Promise<number> {
    return Number((await session.store.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  }

  /** `accessToken`: the one a sign-in just received, handed to whichever thread syncs. */
  private async openSession(info: SessionInfo, api: SyncApi, accessToken?: string): Promise<ActiveSession> {
    const paths = storePaths(this.options.profileDir, info.serverUrl, info.userId, this.settings.get().deviceId);
    await adoptLegacySecrets(this.options.secrets, paths);
    const key = await loadOrCreateDatabaseKey(this.options.secrets, paths.keyAccount, paths.databaseFile);
    const store = await openEncryptedStore(paths.databaseFile, key);
    const auth = new AuthSession(api, this.options.secrets, paths.refreshTokenAccount);
    let engine: SyncRunner;
    if (this.options.syncInWorkerThread) {
      const worker = new SyncWorkerHost(
        {
          profileDir: this.options.profileDir,
          serverUrl: info.serverUrl,
          databaseFile: paths.databaseFile,
          databaseKey: key,
          refreshTokenAccount: paths.refreshTokenAccount,
          accessToken: accessToken ?? null,
          logLevel: this.logger.level,
          attachmentsDir: paths.attachmentsDir,
          policy: this.options.policy ?? null,
          sync: this.options.sync ?? {},
        },
        this.options.secrets,
        this.logger,
      );
      try {
        await worker.whenReady();
      } catch (error) {
        await worker.stop();
        await store.close();
        throw error;
      }
      engine = worker;
    } else {
      engine = buildSyncEngine({
        store,
        api,
        auth,
        settings: this.settings,
        clock: this.clock,
        logger: this.logger,
        random: this.options.random,
        timers: this.options.timers,
        sync: this.options.sync,
        attachmentsDir: paths.attachmentsDir,
        network: this.options.networkCost,
      });
      if (accessToken) auth.useAccessToken(accessToken);
    }
    const settings = this.settings;
    const session = new ActiveSession(info, paths, store, api, auth, engine, this.clock, this.options.networkCost ?? systemNetworkCost(), () => settings.get().largeUploadsUnmeteredOnly);
    engine.onStatus((status) => {
      if (status.lastError?.code !== 'DEVICE_REVOKED') return;
      this.revoked(session).catch((error: unknown) => this.logger.warn({ err: error }, 'a revoked laptop could not reach the server to hand over its work; it tries again'));
    });
    return session;
  }

  /**
   * Signs out and wipes this user's data from the device: the database with its WAL and shm, the
   * attachments, and the keychain entries. With changes still queued it refuses unless `force`,
   * so the UI can warn first.
   */
  async signOut(options: { force?: boolean } = {}): Promise<{ discardedChanges: number }> {
    const session = this.session;
    const queued = await this.queuedChanges(session);
    if (queued > 0 && !options.force) {
      throw new FieldlineError('VALIDATION_ERROR', `${queued} change(s) are not synced yet and would be lost. Sync first, or sign out anyway.`, { queued });
    }
    await session.engine.stop();
    await session.auth.signOut();
    await this.wipe(session);
    this.logger.info({ discardedChanges: queued }, 'signed out and wiped');
    return { discardedChanges: queued };
  }

  /** This user's data off the device: the database with its WAL and shm, the attachments, the keychain entries. */
  private async wipe(session: ActiveSession): Promise<void> {
    await session.store.close();
    rmSync(session.paths.dir, { recursive: true, force: true });
    const storesDir = dirname(session.paths.dir);
    if (existsSync(storesDir) && readdirSync(storesDir).length === 0) rmdirSync(storesDir);
    await this.options.secrets.delete(session.paths.keyAccount);
    await this.options.secrets.delete(session.paths.refreshTokenAccount);
    this.settings.update({ session: null, keepOffline: { sites: [], workOrders: [] } });
    this.active = null;
    if (existsSync(session.paths.dir)) throw new FieldlineError('STORE_CORRUPT', `Could not remove ${session.paths.dir}`);
  }

  async close(): Promise<void> {
    if (!this.active) return;
    await this.active.engine.stop();
    await this.active.store.close();
    this.active = null;
  }
}
