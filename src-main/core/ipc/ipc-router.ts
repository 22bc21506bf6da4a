import type { Logger } from 'pino';
import { overseesSites } from '../../../src-shared/domain/work-order-status';
import type { z } from 'zod';
import {
  ipcEvents,
  ipcSpecs,
  type IpcSpecs,
  isIpcChannel,
  type IpcChannel,
  type IpcContract,
  type IpcEventName,
  type IpcEventPayload,
  type IpcReply,
  type IpcResponse,
  type IpcValidRequest,
} from '../../../src-shared/ipc/ipc-contract';
import { errorEnvelopeOf, FieldlineError, parseOrThrow } from '../../../src-shared/protocol/errors';
import type { SyncStatus } from '../../../src-shared/sync/sync-status';
import { applyRememberedChoices } from '../conflicts/remembered-choices';
import { exportDiagnostics } from '../diagnostics/diagnostics-export';
import type { ActiveSession, ClientCore } from '../session/client-core';
import { syncHealth } from '../diagnostics/sync-health';
import { dismissNotice, unreadNotices } from '../notices/notices';

type Handlers = { [C in IpcChannel]: (request: IpcValidRequest<C>) => Promise<z.input<IpcContract[C]['response']>> };
type EventSink = (event: IpcEventName, payload: unknown) => void;


export interface IpcRouterOptions {
  core: ClientCore;
  logger: Logger;
  /** App, Electron, Node and core versions, for diagnostics. */
  versions: Record<string, string>;
}

const signedOutStatus: SyncStatus = { state: 'signed-out', lastSyncAt: null, progress: null, queued: 0, failed: 0, conflicts: 0, retryAt: null, lastError: null };

/**
 * The main side of the typed IPC contract, one router for both transports (Electron's ipcMain and
 * the browser shell's loopback WebSocket). Every request is validated against its schema before a
 * handler sees it, every answer against its response schema, and every failure leaves as the error
 * envelope. The transports check who is asking; this checks what is asked.
 */
export class IpcRouter {
  private readonly sinks = new Set<EventSink>();
  private unsubscribe: (() => void) | null = null;
  private readonly handlers: Handlers;

  constructor(private readonly o: IpcRouterOptions) {
    this.handlers = this.buildHandlers();
  }

  /** Reopens the signed-in user's session after a restart and starts its sync worker. */
  async start(): Promise<void> {
    const session = await this.o.core.resume();
    if (session) this.sessionOpened(session);
  }

  onEvent(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  private emit<E extends IpcEventName>(event: E, payload: IpcEventPayload<E>): void {
    const checked: unknown = ipcEvents[event].parse(payload);
    for (const sink of this.sinks) sink(event, checked);
  }

  async handle(channel: string, payload: unknown): Promise<IpcReply> {
    try {
      if (!isIpcChannel(channel)) throw new FieldlineError('VALIDATION_ERROR', `Unknown IPC channel "${channel.slice(0, 100)}"`);
      return { ok: true, value: await this.dispatch(channel, payload) };
    } catch (error) {
      const envelope = errorEnvelopeOf(error);
      if (envelope.code === 'SERVER_ERROR') this.o.logger.error({ channel, err: error }, 'IPC handler failed');
      return { ok: false, error: envelope };
    }
  }

  /** Validates the request before the handler sees it, and the answer before it leaves. */
  private async dispatch<C extends IpcChannel>(channel: C, payload: unknown): Promise<IpcResponse<C>> {
    const spec: IpcSpecs[C] = ipcSpecs[channel];
    const handler: Handlers[C] = this.handlers[channel];
    return spec.response.parse(await handler(parseOrThrow(spec.request, payload, `${channel} request`)));
  }

  private sessionOpened(session: ActiveSession): void {
    this.unsubscribe?.();
    let syncing = false;
    this.unsubscribe = session.engine.onStatus((status) => {
      this.emit('sync.status', status);
      const finished = syncing && status.state !== 'syncing';
      syncing = status.state === 'syncing';
      if (!finished) return;
      this.emit('data.changed', { reason: 'sync' });
      if (status.conflicts > 0) void this.settleRemembered(session);
    });
    session.engine.start();
  }

  private async settleRemembered(session: ActiveSession): Promise<void> {
    try {
      const settled = await applyRememberedChoices(session.conflicts, this.o.core.settings.get().rememberedChoices);
      if (settled > 0) this.emit('data.changed', { reason: 'local' });
    } catch (error) {
      this.o.logger.warn({ err: error }, 'remembered conflict choices not applied');
    }
  }

  /** A local write: the views re-read, the badge recounts. */
  private async wrote<T>(write: Promise<T>): Promise<T> {
    const result = await write;
    this.emit('data.changed', { reason: 'local' });
    return result;
  }

  private buildHandlers(): Handlers {
    const core = this.o.core;
    const session = () => core.session;
    return {
      'session.get': async () => {
        const policy = core.settings.policyView();
        return { session: core.signedIn ? session().info : null, serverUrl: core.settings.get().serverUrl, serverLocked: policy.managed.includes('serverUrl'), policyError: policy.error };
      },
      'session.signIn': async ({ serverUrl, username, password }) => {
        const opened = await core.signIn(serverUrl, username, password);
        this.sessionOpened(opened);
        this.emit('data.changed', { reason: 'session' });
        return opened.info;
      },
      'session.signOut': async ({ force }) => {
        this.unsubscribe?.();
        this.unsubscribe = null;
        try {
          return await core.signOut({ force });
        } finally {
          if (!core.signedIn) {
            this.emit('sync.status', signedOutStatus);
            this.emit('data.changed', { reason: 'session' });
          } else this.sessionOpened(session());
        }
      },

      'workOrders.list': (query) => session().queries.list(query),
      'workOrders.get': ({ workOrderId }) => session().queries.get(workOrderId),
      'workOrders.reference': () => session().queries.reference(),
      'workOrders.history': async ({ workOrderId }) => {
        const pending = await session().queries.pendingChanges(workOrderId);
        try {
          return { entries: (await session().engine.recordHistory('workOrder', workOrderId)).entries, serverError: null, pending };
        } catch (error) {
          // Offline the laptop still shows what it holds: its own changes waiting to go.
          return { entries: [], serverError: errorEnvelopeOf(error, 'NETWORK_ERROR').message, pending };
        }
      },
      'workOrders.openLoad': ({ now }) => session().queries.openLoad(now),
      'workOrders.changeStatus': (input) => this.wrote(session().workOrders.changeStatus(input)),
      'workOrders.assign': (input) => this.wrote(session().workOrders.assign(input)),
      'workOrders.setTaskDone': (input) => this.wrote(session().workOrders.setTaskDone(input)),
      'workOrders.addPartUsed': (input) => this.wrote(session().workOrders.addPartUsed(input)),
      'workOrders.removePartUsed': (input) => this.wrote(session().workOrders.removePartUsed(input)),
      'workOrders.addLabor': (input) => this.wrote(session().workOrders.addLabor(input)),
      'workOrders.recordMeasurement': (input) => this.wrote(session().workOrders.recordMeasurement(input)),
      'workOrders.updateMeasurement': (input) => this.wrote(session().workOrders.updateMeasurement(input)),
      'workOrders.removeMeasurement': (input) => this.wrote(session().workOrders.removeMeasurement(input)),
      'workOrders.updateLabor': (input) => this.wrote(session().workOrders.updateLabor(input)),
      'workOrders.setLabels': (input) => this.wrote(session().workOrders.setLabels(input)),
      'workOrders.removeLabor': (input) => this.wrote(session().workOrders.removeLabor(input)),
      'workOrders.editNotes': async (input) => {
        const written = await this.wrote(session().workOrders.editNotes(input));
        await session().noteDrafts.settle(input.workOrderId);
        return written;
      },
      'workOrders.setAssetStatus': (input) => this.wrote(session().workOrders.setAssetStatus(input)),
      'workOrders.noteDrafts': ({ workOrderId }) => session().noteDrafts.get(workOrderId),
      'workOrders.saveNoteDraft': (input) => session().noteDrafts.save(input),
      'workOrders.create': (input) => this.wrote(session().workOrders.create(input)),
      'workOrders.deleteDraft': ({ workOrderId }) => this.wrote(session().workOrders.deleteDraft(workOrderId)),

      'sync.status': async () => (core.signedIn ? session().engine.status() : signedOutStatus),
      'sync.now': () => session().engine.sync('manual'),
      'sync.health': () => syncHealth(session().store.db),
      'sync.notices': () => unreadNotices(session().store.db),
      'sync.dismissNotice': async ({ id }) => {
        await dismissNotice(session().store.db, id);
        return { ok: true as const };
      },
      'sync.clearCache': () => session().engine.clearCache(),

      'outbox.list': () => session().outbox.list(),
      'outbox.retry': async ({ opId }) => {
        await this.wrote(session().outbox.retry(opId));
        void session().engine.sync('manual');
        return { ok: true as const };
      },
      'outbox.retryAllFailed': async () => {
        const retried = await this.wrote(session().outbox.retryAllFailed());
        void session().engine.sync('manual');
        return { retried };
      },
      'outbox.discard': async ({ opId }) => {
        await this.wrote(session().outbox.discard(opId));
        await session().engine.refreshCounts();
        return { ok: true as const };
      },

      'attachments.add': (input) => this.wrote(session().attachments.add(input)),
      'attachments.remove': async ({ attachmentId }) => {
        await this.wrote(session().attachments.remove(attachmentId));
        return { ok: true as const };
      },
      'attachments.file': ({ attachmentId, variant }) => session().attachmentFiles.file(attachmentId, variant),
      'attachments.uploads': () => session().attachmentFiles.uploads(),
      'attachments.retryUpload': async ({ attachmentId }) => {
        await this.wrote(session().attachmentFiles.retryUpload(attachmentId));
        return { ok: true as const };
      },

      'conflicts.list': ({ status }) => session().conflicts.list(status),
      'conflicts.resolve': async ({ conflictId, decision, remember }) => {
        await this.wrote(session().conflicts.resolve(conflictId, decision));
        if (Object.keys(remember).length > 0) {
          core.settings.update({ rememberedChoices: { ...core.settings.get().rememberedChoices, ...remember } });
        }
        await session().engine.refreshCounts();
        return { ok: true as const };
      },
      'conflicts.forget': async ({ field }) => {
        const { [field]: _forgotten, ...rest } = core.settings.get().rememberedChoices;
        core.settings.update({ rememberedChoices: rest });
        return { ok: true as const };
      },
      'serverConflicts.list': async (query) => {
        if (!overseesSites(session().info.role)) throw new FieldlineError('PERMISSION_DENIED', 'The conflict log of your sites is for supervisors');
        return session().conflicts.labelSiteConflicts(await session().engine.serverConflicts(query));
      },
      'serverConflicts.resolve': async ({ conflictId, decision }) => session().engine.resolveServerConflict(conflictId, decision),

      'settings.get': async () => ({ settings: core.settings.get(), policy: core.settings.policyView() }),
      'settings.update': async (patch) => {
        if (patch.serverUrl !== undefined && core.signedIn && patch.serverUrl !== session().info.serverUrl) {
          throw new FieldlineError('VALIDATION_ERROR', 'Sign out first to change the server: this device’s data belongs to the server it came from');
        }
        core.settings.checkAllowed(patch);
        return core.settings.update(patch);
      },
      'diagnostics.export': async () =>
        exportDiagnostics({
          profileDir: core.profileDir,
          versions: this.o.versions,
          settings: core.settings.get(),
          status: core.signedIn ? session().engine.status() : null,
          db: core.signedIn ? session().store.db : null,
          now: new Date(),
        }),
    };
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.sinks.clear();
    await this.o.core.close();
  }
}
