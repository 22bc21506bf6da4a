import type { EntityName } from '../../../src-shared/domain/entity-registry';
import { recordHistorySchema, type RecordHistory } from '../../../src-shared/protocol/history';
import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { conflictSchema, type Conflict, type ResolveConflictRequest } from '../../../src-shared/protocol/conflicts';
import { errorEnvelopeOf, errorEnvelopeSchema, FieldlineError, type ErrorEnvelope } from '../../../src-shared/protocol/errors';
import { syncStatusSchema, type SyncStatus } from '../../../src-shared/sync/sync-status';
import { cacheClearedSchema, type CacheCleared } from '../../../src-shared/sync/cache-clear';
import type { SecretStore } from '../secrets/secret-store';
import type { SyncResult, SyncTrigger } from '../../../src-shared/sync/sync-cycle';
import type { SyncRunner } from './sync-runner';
import type { FromWorker, SyncWorkerCall, SyncWorkerInit, ToWorker } from './sync-worker-protocol';
import { z } from 'zod';

/**
 * The worker's heap ceiling. A first sync allocates a page's objects (5000 records) per commit; with
 * no ceiling V8 lets that garbage pile up to ~200 MB before collecting (peak RSS 426 MB for 100k
 * records), with this one it collects sooner at the same speed (295 MB). The live heap peaks near
 * 56 MB, so the ceiling leaves three times that.
 */
const workerOldGenerationMb = 192;

const syncResultSchema = z.object({ ok: z.boolean(), pushed: z.number(), pulled: z.number(), refused: z.number(), error: errorEnvelopeSchema.nullable() });

/** The worker's entry: the bundled .js next to this file in a build, the .ts source under tsx and vitest. */
function workerEntry(): { url: URL; execArgv: string[] } {
  const js = new URL('./sync-worker-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  return { url: new URL('./sync-worker-thread.ts', import.meta.url), execArgv: ['--import', 'tsx'] };
}

/**
 * Runs the SyncEngine in a worker thread, off the thread that answers IPC. The worker has its own
 * connection to the store (WAL lets the two read and write side by
 * side); this side answers its keychain requests and mirrors its status for the badge.
 */
export class SyncWorkerHost implements SyncRunner {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: FieldlineError) => void }>();
  private readonly listeners = new Set<(status: SyncStatus) => void>();
  private current: SyncStatus = { state: 'idle', lastSyncAt: null, progress: null, queued: 0, failed: 0, conflicts: 0, retryAt: null, lastError: null };
  private readonly ready: Promise<void>;
  private exited = false;
  private stopping = false;

  constructor(init: SyncWorkerInit, secrets: SecretStore, logger: Logger) {
    const entry = workerEntry();
    this.worker = new Worker(entry.url, { workerData: init, execArgv: entry.execArgv, resourceLimits: { maxOldGenerationSizeMb: workerOldGenerationMb } });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            resolve();
            return;
          case 'init-failed':
            reject(new FieldlineError(message.error.code, message.error.message, message.error.details));
            return;
          case 'status': {
            const status = syncStatusSchema.safeParse(message.status);
            if (!status.success) return;
            this.current = status.data;
            for (const listener of this.listeners) listener(this.current);
            return;
          }
          case 'reply': {
            const waiting = this.pending.get(message.id);
            this.pending.delete(message.id);
            if (message.ok) waiting?.resolve(message.value);
            else waiting?.reject(fromEnvelope(message.error));
            return;
          }
          case 'secret':
            void this.answerSecret(secrets, message);
        }
      });
    });
    this.ready.catch(() => undefined);
    this.worker.on('error', (error) => logger.error({ err: error }, 'sync worker crashed'));
    this.worker.on('exit', (code) => {
      this.exited = true;
      for (const waiting of this.pending.values()) waiting.reject(new FieldlineError('SERVER_ERROR', `The sync worker stopped (exit ${code})`));
      this.pending.clear();
      if (this.stopping) return;
      // Nothing syncs any more: say so on the badge instead of showing the last state forever.
      logger.error({ code }, 'sync worker exited');
      this.current = { ...this.current, state: 'failed', progress: null, retryAt: null, lastError: { code: 'SERVER_ERROR', message: 'Sync stopped working on this laptop. Your changes are saved; restart Fieldline to sync them.' } };
      for (const listener of this.listeners) listener(this.current);
    });
  }

  /** Resolves once the worker has opened the store; rejects with the store's error. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private async answerSecret(secrets: SecretStore, message: Extract<FromWorker, { type: 'secret' }>): Promise<void> {
    let reply: ToWorker;
    try {
      const value = message.op === 'get' ? await secrets.get(message.account) : message.op === 'set' ? (await secrets.set(message.account, message.secret), true) : await secrets.delete(message.account);
      reply = { type: 'secret-reply', id: message.id, ok: true, value };
    } catch (error) {
      reply = { type: 'secret-reply', id: message.id, ok: false, message: errorEnvelopeOf(error).message };
    }
    if (!this.exited) this.worker.postMessage(reply);
  }

  private async call(call: SyncWorkerCall): Promise<unknown> {
    await this.ready;
    if (this.exited) throw new FieldlineError('SERVER_ERROR', 'The sync worker has stopped; restart the app');
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const message: ToWorker = { type: 'call', id, call };
    this.worker.postMessage(message);
    return answer;
  }

  start(): void {
    void this.call({ method: 'start' }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    await this.call({ method: 'stop' }).catch(() => undefined);
    await this.worker.terminate();
  }

  async sync(trigger: SyncTrigger): Promise<SyncResult> {
    return syncResultSchema.parse(await this.call({ method: 'sync', trigger }));
  }

  status(): SyncStatus {
    return this.current;
  }

  onStatus(listener: (status: SyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async refreshCounts(): Promise<SyncStatus> {
    return syncStatusSchema.parse(await this.call({ method: 'refreshCounts' }));
  }

  signedInAgain(): void {
    void this.call({ method: 'signedInAgain' }).catch(() => undefined);
  }

  onLocalChange(priority: number): void {
    void this.call({ method: 'localChange', priority }).catch(() => undefined);
  }

  async recordHistory(entity: EntityName, id: string): Promise<RecordHistory> {
    return recordHistorySchema.parse(await this.call({ method: 'recordHistory', entity, id }));
  }

  async serverConflicts(query: { siteId?: string; status?: string }): Promise<Conflict[]> {
    return z.array(conflictSchema).parse(await this.call({ method: 'serverConflicts', query }));
  }

  async resolveServerConflict(id: string, decision: ResolveConflictRequest): Promise<Conflict> {
    return conflictSchema.parse(await this.call({ method: 'resolveServerConflict', id, decision }));
  }

  async fetchAttachment(attachmentId: string, variant: AttachmentVariant): Promise<void> {
    await this.call({ method: 'fetchAttachment', attachmentId, variant });
  }

  async uploadsIdle(): Promise<void> {
    await this.call({ method: 'uploadsIdle' });
  }

  async clearCache(): Promise<CacheCleared> {
    return cacheClearedSchema.parse(await this.call({ method: 'clearCache' }));
  }
}

function fromEnvelope(error: ErrorEnvelope): FieldlineError {
  return new FieldlineError(error.code, error.message, error.details);
}
