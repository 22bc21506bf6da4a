import type { EntityName } from '../../../src-shared/domain/entity-registry';
import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import { parseJsonOrUndefined } from '../../../src-shared/domain/json';
import WebSocket from 'ws';
import { socketText } from './socket-text';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import { errorEnvelopeOf, FieldlineError, type ErrorEnvelope } from '../../../src-shared/protocol/errors';
import type { AttachmentTransfer } from '../attachments/attachment-transfer';
import { serverEventSchema } from '../../../src-shared/protocol/events';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { afterCycle, cycleRunning, idleCycle, nextCycleState, type CycleState, type SyncResult, type SyncTrigger } from '../../../src-shared/sync/sync-cycle';
import { heartbeatIntervalMs, heartbeatTimeoutMs, localChangeDebounceMs, reconnectDelayMs, slowestReconnectMs } from '../../../src-shared/sync/connectivity';
import type { CacheCleared } from '../../../src-shared/sync/cache-clear';
import type { SyncStatus } from '../../../src-shared/sync/sync-status';
import type { RecordHistory } from '../../../src-shared/protocol/history';
import type { Conflict, ResolveConflictRequest } from '../../../src-shared/protocol/conflicts';
import type { ClientDb } from '../store/client-schema';
import type { AuthSession } from '../auth/auth-session';
import { expiryDue } from '../../../src-shared/domain/local-data-expiry';
import { dropServerData, expireFinishedWorkOrders } from '../local-data/local-data-cleanup';
import { learnDecisions } from './decision-cycle';
import { pruneJournal, replayJournal } from './acknowledged-journal';
import { noticeSelectionChange } from './selection-resync';
import { defaultPageSize, pullAll } from './pull-cycle';
import { defaultPushBatch, pushPending } from './push-cycle';
import type { SyncApi } from './sync-api';
import { readSyncState, writeSyncState } from './sync-state';
import type { SyncRunner } from './sync-runner';

export interface Timers {
  after(ms: number, fn: () => void): { cancel(): void };
}

export const realTimers: Timers = {
  after: (ms, fn) => {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

export interface SyncEngineOptions {
  db: ClientDb;
  api: SyncApi;
  auth: AuthSession;
  clock: Clock;
  logger: Logger;
  deviceId: string;
  random?: () => number;
  timers?: Timers;
  intervalMs: () => number;
  narrowing: () => { sites: readonly string[]; workOrders: readonly string[] };
  maxOpsPerBatch?: number;
  maxBytesPerBatch?: number;
  pageSize?: number;
  /** Asked between cycles and every few hundred edits; moves the store's WAL into the database once it holds a few MB. */
  checkpoint?: () => void;
  /** Attachment bytes: uploads run beside the cycle, thumbnails and cleanup after each pull. */
  attachments?: AttachmentTransfer;
}

/** Local edits after which the worker checkpoints the store, between cycles: the WAL an edit and a cycle read stays short. */
export const editsPerCheckpoint = 256;

/** How long before an access token expires the events socket renews it. */
const tokenRenewalLeadMs = 60_000;

/** When an access token expires (ms), read from the token itself; null when it does not say. */
function accessTokenExpiry(token: string): number | null {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * The background sync worker (docs/keeping-work-safe.md): push, then pull, one cycle at a time
 * (the cycle state machine: src-shared/sync/sync-cycle.ts). A cycle that fails backs off; a
 * trigger during a cycle gets the cycle after it.
 */
export class SyncEngine implements SyncRunner {
  private cycleState: CycleState = idleCycle;
  /** The running cycle, which stop() waits for. */
  private runningCycle: Promise<SyncResult> | null = null;
  /** Those who asked during the running cycle: answered by the next one. */
  private waitingForNext: { resolve: (result: SyncResult) => void; reject: (error: unknown) => void }[] = [];
  /** Edits since this timer started go out together when it fires (localChangeDebounceMs). */
  private localChangeTimer: { cancel(): void } | null = null;
  private heartbeat: { cancel(): void } | null = null;
  private tokenRenewal: { cancel(): void } | null = null;
  /** When the server stopped answering the events socket; null while it answers. */
  private unreachableSince: number | null = null;
  private reconnectAttempt = 0;
  private failures = 0;
  private timer: { cancel(): void } | null = null;
  private socket: WebSocket | null = null;
  private socketTimer: { cancel(): void } | null = null;
  private started = false;
  private readonly listeners = new Set<(status: SyncStatus) => void>();
  private current: SyncStatus = { state: 'idle', lastSyncAt: null, progress: null, queued: 0, failed: 0, conflicts: 0, retryAt: null, lastError: null };
  private readonly random: () => number;
  private readonly timers: Timers;
  private editsSinceCheckpoint = 0;
  private countsDue = false;
  /** Callers of clearCache, answered by the next cycle before it syncs (never in the middle of one). */
  private clearRequests: { resolve: (cleared: CacheCleared) => void; reject: (error: unknown) => void }[] = [];

  constructor(private readonly o: SyncEngineOptions) {
    this.random = o.random ?? Math.random;
    this.timers = o.timers ?? realTimers;
    o.attachments?.onUploaded(() => void this.sync('notification'));
  }

  status(): SyncStatus {
    return this.current;
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: Partial<SyncStatus>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener(this.current);
  }

  /** Counts for the badge, read from the store. */
  async refreshCounts(): Promise<SyncStatus> {
    const counts = await this.o.db
      .selectFrom('outbox')
      .select((eb) => [eb.fn.countAll<number>().as('queued'), eb.fn.sum<number>(eb.case().when('state', 'in', ['failed', 'refused']).then(1).else(0).end()).as('failed')])
      .executeTakeFirstOrThrow();
    const conflicts = await this.o.db.selectFrom('conflicts').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'open').executeTakeFirstOrThrow();
    const lastSyncAt = await readSyncState(this.o.db, 'last_sync_at');
    this.emit({ queued: Number(counts.queued), failed: Number(counts.failed ?? 0), conflicts: Number(conflicts.n), lastSyncAt });
    return this.current;
  }

  /**
   * A cycle now, or — while one runs — the cycle after it, which every request during the running
   * one shares (sync-cycle.ts says why).
   */
  sync(trigger: SyncTrigger): Promise<SyncResult> {
    const { state, effect } = nextCycleState(this.cycleState, { type: 'requested', trigger });
    this.cycleState = state;
    if (effect.type === 'begin') return this.begin(effect.trigger);
    return new Promise((resolve, reject) => this.waitingForNext.push({ resolve, reject }));
  }

  private begin(trigger: SyncTrigger): Promise<SyncResult> {
    const run = this.cycle(trigger);
    this.runningCycle = run;
    const finished = () => {
      const { state, effect } = nextCycleState(this.cycleState, { type: 'finished' });
      this.cycleState = state;
      this.runningCycle = null;
      if (effect.type !== 'begin') return;
      const waiting = this.waitingForNext.splice(0);
      this.begin(effect.trigger).then(
        (result) => waiting.forEach((w) => w.resolve(result)),
        (error: unknown) => waiting.forEach((w) => w.reject(error)),
      );
    };
    run.then(finished, finished);
    return run;
  }

  private async cycle(trigger: SyncTrigger): Promise<SyncResult> {
    const started = this.o.clock.now();
    const startedIso = isoAt(this.o.clock);
    // Ops left in flight by a crash go out again; the server answers them from its record.
    await this.o.db.updateTable('outbox').set({ state: 'pending' }).where('state', '=', 'in-flight').execute();
    if (this.clearRequests.length > 0) await this.clearLocalData();
    if (trigger === 'start') await this.expireLocalData();
    await noticeSelectionChange(this.o.db, this.o.narrowing());
    await this.refreshCounts();
    this.emit({ state: 'syncing', progress: { done: 0, total: this.current.queued }, retryAt: null });
    let pushed = 0;
    let pulled = 0;
    let refused = 0;
    let bytesSent = 0;
    let bytesReceived = 0;
    const conflicts: Record<string, number> = {};
    let error: ErrorEnvelope | null = null;
    try {
      const push = async () => {
        const outcome = await pushPending(
          {
            db: this.o.db,
            api: this.o.api,
            auth: this.o.auth,
            clock: this.o.clock,
            random: this.random,
            deviceId: this.o.deviceId,
            maxOps: this.o.maxOpsPerBatch ?? defaultPushBatch.maxOps,
            maxBytes: this.o.maxBytesPerBatch ?? defaultPushBatch.maxBytes,
          },
          (done, total) => this.emit({ progress: { done, total } }),
        );
        pushed += outcome.sent;
        refused += outcome.refused;
        // Records just acknowledged may free their files: uploads run beside the cycle, never in it.
        this.o.attachments?.kick();
        bytesSent += outcome.bytesSent;
        bytesReceived += outcome.bytesReceived;
        for (const [kind, n] of Object.entries(outcome.conflicts)) conflicts[kind] = (conflicts[kind] ?? 0) + n;
        return outcome;
      };
      const pull = async () => {
        const outcome = await pullAll(
          { db: this.o.db, api: this.o.api, auth: this.o.auth, clock: this.o.clock, pageSize: this.o.pageSize ?? defaultPageSize, narrowing: this.o.narrowing },
          (done, total) => this.emit({ progress: { done, total } }),
        );
        pulled += outcome.pulled;
        bytesReceived += outcome.bytesReceived;
        for (const [kind, n] of Object.entries(outcome.conflicts)) conflicts[kind] = (conflicts[kind] ?? 0) + n;
        return outcome;
      };
      const pushedFirst = await push();
      const pulledFirst = await pull();
      if (pushedFirst.historyChanged === 'history-diverged' || pulledFirst.historyDiverged) {
        // A server restored from an older backup: what it lost goes out again before anything else.
        const replay = await replayJournal({
          db: this.o.db,
          api: this.o.api,
          auth: this.o.auth,
          clock: this.o.clock,
          deviceId: this.o.deviceId,
          maxOps: this.o.maxOpsPerBatch ?? defaultPushBatch.maxOps,
          maxBytes: this.o.maxBytesPerBatch ?? defaultPushBatch.maxBytes,
        });
        this.o.logger.warn(replay, 'server restored from a backup: acknowledged changes sent again');
        if (replay.conflicts > 0) conflicts['update-update'] = (conflicts['update-update'] ?? 0) + replay.conflicts;
        if (replay.resent > 0) await pull();
      }
      // The push the changed server refused goes now, on the history just pulled.
      if (pushedFirst.historyChanged) await push();
      // A full download for a new selection brings old finished work orders too; they leave again at once.
      if (pulledFirst.selectionResynced) await this.expireLocalData({ now: true });
      await this.o.attachments?.afterPull();
      await learnDecisions({ db: this.o.db, api: this.o.api, auth: this.o.auth, clock: this.o.clock });
      await pruneJournal(this.o.db, this.o.clock);
      await writeSyncState(this.o.db, 'last_sync_at', isoAt(this.o.clock));
      this.failures = 0;
    } catch (caught) {
      error = errorEnvelopeOf(caught);
      this.failures++;
      this.o.logger.warn({ code: error.code, trigger, failures: this.failures }, 'sync cycle failed');
    }
    const duration = this.o.clock.now() - started;
    await this.refreshCounts();
    await this.o.db
      .insertInto('sync_metrics')
      .values({
        started_at: startedIso,
        duration_ms: duration,
        ok: error ? 0 : 1,
        trigger,
        pushed,
        pulled,
        bytes_sent: bytesSent,
        bytes_received: bytesReceived,
        conflicts: JSON.stringify(conflicts),
        queue_depth: this.current.queued,
        error: error ? error.code : null,
        error_message: error ? error.message : null,
      })
      .execute();
    const after = afterCycle(error, this.failures, this.random, this.o.intervalMs());
    this.emit({ state: after.state, progress: null, lastError: error, retryAt: after.retryInMs === null ? null : new Date(this.o.clock.now() + after.retryInMs).toISOString() });
    if (this.started && after.next) this.schedule(after.next.inMs, after.next.trigger);
    this.o.logger.info({ trigger, ok: !error, pushed, pulled, ms: duration, bytesSent, bytesReceived }, 'sync cycle');
    // Housekeeping after the cycle, not inside it: the data is committed and visible already, and
    // moving a first sync's WAL into the database takes seconds the user need not wait for. Skipped
    // when another cycle follows at once; that one schedules it again.
    setImmediate(() => {
      if (cycleRunning(this.cycleState)) return;
      this.editsSinceCheckpoint = 0;
      this.o.checkpoint?.();
    });
    return { ok: !error, pushed, pulled, refused, error };
  }

  private schedule(ms: number, trigger: SyncTrigger): void {
    this.timer?.cancel();
    this.timer = this.timers.after(ms, () => {
      this.timer = null;
      void this.sync(trigger);
    });
  }

  /** Starts the background worker: a first sync, the periodic timer and the server's notifications. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.sync('start');
    this.connectEvents();
  }

  /**
   * The same user signed in again (client-core signIn): the refresh token is new in the keychain.
   * An access token held here that the server no longer takes is refreshed from it on first use.
   */
  signedInAgain(): void {
    if (this.started) void this.sync('manual');
  }

  /** A local change with priority 1–2 goes out at once (docs/keeping-work-safe.md). */
  onLocalChange(priority: number): void {
    // The badge's counts, once per burst of edits and after the edit has answered: three queries
    // per edit on the thread that wrote it were a tenth of an edit's time. The store may be closing
    // by then (sign-out right after an edit).
    if (!this.countsDue) {
      this.countsDue = true;
      setImmediate(() => {
        this.countsDue = false;
        void this.refreshCounts().catch(() => undefined);
      });
    }
    if (++this.editsSinceCheckpoint >= editsPerCheckpoint && !cycleRunning(this.cycleState)) {
      this.editsSinceCheckpoint = 0;
      setImmediate(() => this.o.checkpoint?.());
    }
    if (!this.started || this.current.state === 'offline') return;
    if (priority <= 2) {
      void this.sync('critical');
      return;
    }
    // Every change is on its way within about a second while the server answers (docs/keeping-work-safe.md);
    // the window opens with the burst's first edit, so steady typing cannot hold it off.
    this.localChangeTimer ??= this.timers.after(localChangeDebounceMs, () => {
      this.localChangeTimer = null;
      void this.sync('local');
    });
  }

  /**
   * The events socket is how the device knows the server answers (docs/keeping-work-safe.md): heartbeats find a
   * dead link within seconds, a failed connect shows Offline, and quick reconnects bring the device
   * back — a cycle at once — as soon as the server does. A socket closed because its access token
   * ran out reconnects at once with a fresh one.
   */
  private connectEvents(): void {
    if (!this.started) return;
    const token = this.o.auth.currentAccessToken();
    if (!token) {
      // Signed in but no token in memory yet (a restart): get one, then connect.
      void this.o.auth.refresh().then(
        () => this.connectEvents(),
        (error: unknown) => this.eventsUnreachable(errorEnvelopeOf(error, 'NETWORK_ERROR')),
      );
      return;
    }
    const socket = new WebSocket(this.o.api.eventsUrl(), { headers: { authorization: `Bearer ${token}` }, handshakeTimeout: heartbeatTimeoutMs });
    this.socket = socket;
    let opened = false;
    let answered = true;
    let refreshFirst = false;
    socket.on('unexpected-response', (_request, response) => {
      // 401 before the upgrade: the token in memory is stale (the laptop slept through its expiry).
      refreshFirst = response.statusCode === 401;
      socket.terminate();
    });
    socket.on('open', () => {
      opened = true;
      this.unreachableSince = null;
      this.reconnectAttempt = 0;
      // A minute before the token runs out: a fresh one, and the socket again with it, so the
      // server never has to close it for an expired token.
      const expiresAt = accessTokenExpiry(token);
      if (expiresAt !== null) {
        this.tokenRenewal?.cancel();
        const left = expiresAt - this.o.clock.now();
        this.tokenRenewal = this.timers.after(Math.max(left / 2, left - tokenRenewalLeadMs, 1_000), () => {
          this.tokenRenewal = null;
          void this.o.auth.refresh().then(
            () => socket.close(1000, 'renewing the access token'),
            () => undefined,
          );
        });
      }
      const beat = () => {
        if (!answered) {
          socket.terminate();
          return;
        }
        answered = false;
        socket.ping();
        this.heartbeat = this.timers.after(heartbeatTimeoutMs + heartbeatIntervalMs, beat);
      };
      this.heartbeat = this.timers.after(heartbeatIntervalMs, beat);
    });
    socket.on('pong', () => {
      answered = true;
    });
    socket.on('message', (raw) => {
      const event = serverEventSchema.safeParse(parseJsonOrUndefined(socketText(raw)));
      if (!event.success) return;
      // A conflict recorded or decided: the cycle learns decisions, and its end re-reads every view (a supervisor's log too).
      if (event.data.type === 'changed' || event.data.type === 'conflicts') void this.sync('notification');
      // Back after being unreachable, or reconnected after a gap in which changes may have come.
      if (event.data.type === 'hello') void this.helloFrom(event.data.server.head);
    });
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      this.heartbeat?.cancel();
      this.heartbeat = null;
      this.tokenRenewal?.cancel();
      this.tokenRenewal = null;
      if (this.socket === socket) this.socket = null;
      if (!this.started) return;
      if (code === 4401 || refreshFirst) {
        void this.o.auth.refresh().then(
          () => this.connectEvents(),
          (error: unknown) => this.eventsUnreachable(errorEnvelopeOf(error, 'NETWORK_ERROR')),
        );
        return;
      }
      // An open socket that dropped gets one quick try before the device calls itself offline.
      if (opened) {
        this.socketTimer = this.timers.after(200, () => this.connectEvents());
        return;
      }
      this.eventsUnreachable({ code: 'NETWORK_ERROR', message: `The server at ${this.o.api.baseUrl} does not answer` });
    });
  }

  /** The server does not answer (or refused the sign-in): say so on the badge and try again soon. */
  private eventsUnreachable(error: ErrorEnvelope): void {
    if (!this.started) return;
    if (error.code === 'AUTH_ERROR') {
      if (!cycleRunning(this.cycleState)) this.emit({ state: 'signed-out', progress: null, lastError: error, retryAt: null });
      this.socketTimer = this.timers.after(slowestReconnectMs, () => this.connectEvents());
      return;
    }
    const now = this.o.clock.now();
    this.unreachableSince ??= now;
    this.reconnectAttempt++;
    const delay = reconnectDelayMs(now - this.unreachableSince, this.reconnectAttempt, this.random);
    if (!cycleRunning(this.cycleState) && this.current.state !== 'signed-out') {
      this.emit({ state: 'offline', progress: null, lastError: error, retryAt: new Date(now + delay).toISOString() });
    }
    this.socketTimer = this.timers.after(delay, () => this.connectEvents());
  }

  /** The server answers again, or anew: sync if the device was offline or the server moved on meanwhile. */
  private async helloFrom(head: number): Promise<void> {
    const known = Number((await readSyncState(this.o.db, 'server_head')) ?? '0');
    if (this.current.state === 'offline' || this.current.state === 'failed' || head !== known) void this.sync('connectivity');
  }

  recordHistory(entity: EntityName, id: string): Promise<RecordHistory> {
    return this.o.auth.authorized((token) => this.o.api.recordHistory(token, entity, id));
  }

  serverConflicts(query: { siteId?: string; status?: string }): Promise<Conflict[]> {
    return this.o.auth.authorized((token) => this.o.api.serverConflicts(token, query));
  }

  async resolveServerConflict(id: string, decision: ResolveConflictRequest): Promise<Conflict> {
    const answer = await this.o.auth.authorized((token) => this.o.api.resolveServerConflict(token, id, decision));
    // The decision is a change on the server: pull it now so this device shows it too.
    void this.sync('manual');
    return answer.conflict;
  }

  /** Drops the downloaded data at the start of the next cycle, which then downloads everything again. */
  clearCache(): Promise<CacheCleared> {
    const cleared = new Promise<CacheCleared>((resolve, reject) => this.clearRequests.push({ resolve, reject }));
    void this.sync('manual');
    return cleared;
  }

  private async clearLocalData(): Promise<void> {
    const waiting = this.clearRequests.splice(0);
    try {
      const cleared = await this.o.db
        .transaction()
        .execute((trx) => dropServerData(trx, this.o.clock, 'Cached data cleared: this device downloads your work orders again. Your unsynced changes are kept.'));
      await this.o.attachments?.cleanUp();
      this.o.logger.info(cleared, 'cache cleared');
      for (const caller of waiting) caller.resolve(cleared);
    } catch (error) {
      for (const caller of waiting) caller.reject(error);
    }
  }

  /**
   * Old closed work orders leave the laptop at launch (at most daily), before the first sync: it needs no network, so it runs
   * offline too. `now`: after a resync, whenever it last ran.
   */
  private async expireLocalData(options: { now?: boolean } = {}): Promise<void> {
    try {
      if (!options.now && !expiryDue(await readSyncState(this.o.db, 'expiry_run_at'), this.o.clock.now())) return;
      const expired = await expireFinishedWorkOrders(this.o.db, this.o.clock, this.o.narrowing().workOrders);
      await writeSyncState(this.o.db, 'expiry_run_at', isoAt(this.o.clock));
      if (expired === 0) return;
      await this.o.attachments?.cleanUp();
      this.o.logger.info({ expired }, 'closed work orders older than the retention left the device');
    } catch (error) {
      // Housekeeping: a failure must not keep the device from syncing. It is tried at the next launch.
      this.o.logger.warn({ error: errorEnvelopeOf(error) }, 'local data expiry failed');
    }
  }

  /** Downloads an attachment's full file into the encrypted cache (the user opened it). */
  async fetchAttachment(attachmentId: string, variant: AttachmentVariant): Promise<void> {
    if (!this.o.attachments) throw new FieldlineError('SERVER_ERROR', 'This device does not transfer attachments');
    await this.o.attachments.fetchFile(attachmentId, variant);
  }

  /** Resolves when no attachment upload runs. */
  async uploadsIdle(): Promise<void> {
    await this.o.attachments?.idle();
  }

  async stop(): Promise<void> {
    await this.o.attachments?.stop();
    this.started = false;
    this.timer?.cancel();
    this.localChangeTimer?.cancel();
    this.heartbeat?.cancel();
    this.tokenRenewal?.cancel();
    this.socketTimer?.cancel();
    this.socket?.close();
    this.socket = null;
    await this.runningCycle?.catch(() => undefined);
  }
}
