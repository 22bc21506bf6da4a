import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { DetailedError, Upload } from 'tus-js-client';
import { attachmentMetaSchema, type AttachmentMeta } from '../../../src-shared/domain/entities';
import { parseJsonOrUndefined } from '../../../src-shared/domain/json';
import { planUploads, type UploadCandidate } from '../../../src-shared/domain/attachment-rules';
import { finishedStatuses } from '../../../src-shared/domain/local-data-expiry';
import { opPriority } from '../../../src-shared/sync/op-priority';
import { uploadCandidateOf } from './upload-candidate';
import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import { errorEnvelopeOf, errorEnvelopeSchema, FieldlineError } from '../../../src-shared/protocol/errors';
import type { Clock } from '../../../src-shared/sync/clock';
import { maxAttempts, retryDelayMs } from '../../../src-shared/sync/retry-policy';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import type { AuthSession } from '../auth/auth-session';
import type { SyncApi } from '../sync/sync-api';
import type { AttachmentVault } from './attachment-vault';
import type { NetworkCostProbe } from './network-cost';

export interface AttachmentTransferOptions {
  db: ClientDb;
  vault: AttachmentVault;
  api: SyncApi;
  auth: AuthSession;
  clock: Clock;
  random: () => number;
  logger: Logger;
  network: NetworkCostProbe;
  largeUploadsUnmeteredOnly: () => boolean;
  /** The work orders whose thumbnails this device keeps: the ones kept offline (empty: all). */
  keptOfflineWorkOrders: () => readonly string[];
  /** Bytes per tus PATCH: what a resume may have to send again at most. */
  chunkBytes?: number;
  thumbnailsPerCycle?: number;
}

const detailsOf = (error: FieldlineError): Record<string, unknown> =>
  typeof error.details === 'object' && error.details !== null ? Object.fromEntries(Object.entries(error.details)) : {};

/** A tus failure as the product's error: no answer is NETWORK_ERROR; an answer carries the server's envelope. */
function tusError(error: Error): FieldlineError {
  const response = error instanceof DetailedError ? error.originalResponse : null;
  if (!response) return new FieldlineError('NETWORK_ERROR', 'The server does not answer; the upload resumes when it does', { cause: error.message });
  const status = response.getStatus();
  const envelope = errorEnvelopeSchema.safeParse(parseJsonOrUndefined(response.getBody()));
  if (envelope.success) return new FieldlineError(envelope.data.code, envelope.data.message, { ...(typeof envelope.data.details === 'object' ? envelope.data.details : {}), status });
  if (status === 401) return new FieldlineError('AUTH_ERROR', 'The upload needs a fresh sign-in');
  // 409 (the offset moved) and 423 (still locked by a run that died) pass: retried like a server error.
  const transient = status >= 500 || status === 409 || status === 423;
  return new FieldlineError(transient ? 'SERVER_ERROR' : 'VALIDATION_ERROR', `The server refused the upload (${status})`, { status });
}

/**
 * Moves attachment bytes, beside the sync cycle so a large upload on a slow link
 * never holds back an emergency push: uploads by tus, resumed where the server's copy ends
 * (after a network loss, an app restart or a server restart); thumbnails of kept-offline work
 * orders; full files on demand, cached encrypted; and cleanup of files whose record is gone.
 */
export class AttachmentTransfer {
  private uploading: Promise<void> | null = null;
  private again = false;
  private current: Upload | null = null;
  private stopped = false;
  private readonly chunkBytes: number;
  private uploadedListener: (() => void) | null = null;

  constructor(private readonly o: AttachmentTransferOptions) {
    this.chunkBytes = o.chunkBytes ?? 512 * 1024;
  }

  /** Starts the upload loop if it is not running (one file at a time, in plan order). */
  kick(): void {
    if (this.stopped) return;
    if (this.uploading) {
      this.again = true;
      return;
    }
    this.uploading = this.uploadAll()
      .catch((error: unknown) => this.o.logger.warn({ code: errorEnvelopeOf(error).code }, 'attachment uploads paused'))
      .finally(() => {
        this.uploading = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Called after a run that finished uploads: the server marked them, a pull brings that here. */
  onUploaded(listener: () => void): void {
    this.uploadedListener = listener;
  }

  /** Resolves when no upload runs (tests, the CLI, shutdown). */
  async idle(): Promise<void> {
    while (this.uploading) await this.uploading;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.current?.abort();
    await this.idle();
  }

  private async candidates(): Promise<UploadCandidate[]> {
    const rows = await this.o.db
      .selectFrom('attachment_files as f')
      .leftJoin('records as r', (join) => join.onRef('r.id', '=', 'f.attachment_id').on('r.entity', '=', 'attachment'))
      .select(['f.attachment_id', 'f.priority', 'f.size', 'f.upload_state', 'f.next_attempt_at', 'f.created_at', 'r.version'])
      .where('f.upload_state', 'in', ['waiting', 'uploading'])
      .execute();
    return rows.map(uploadCandidateOf);
  }

  private async uploadAll(): Promise<void> {
    const cost = await this.o.network.current();
    const plan = planUploads(await this.candidates(), { metered: cost === 'metered', largeOnlyUnmetered: this.o.largeUploadsUnmeteredOnly() }, this.o.clock.now());
    let uploaded = 0;
    try {
      for (const id of plan.send) {
        if (this.stopped) return;
        if (await this.uploadOne(id)) uploaded++;
      }
    } finally {
      if (uploaded > 0 && !this.stopped) this.uploadedListener?.();
    }
  }

  /** True when the file is on the server now. */
  private async uploadOne(id: string): Promise<boolean> {
    const row = await this.o.db.selectFrom('attachment_files').selectAll().where('attachment_id', '=', id).executeTakeFirst();
    if (!row?.content_key || (row.upload_state !== 'waiting' && row.upload_state !== 'uploading')) return false;
    const bytes = await this.o.vault.read(id, 'content', row.content_key);
    await this.o.db.updateTable('attachment_files').set({ upload_state: 'uploading', last_error: null }).where('attachment_id', '=', id).execute();
    try {
      await this.o.auth.authorized((token) => this.tus(id, bytes, token));
      await this.o.db.updateTable('attachment_files').set({ upload_state: 'done', uploaded_bytes: bytes.length, upload_url: null, last_error: null }).where('attachment_id', '=', id).execute();
      this.o.logger.info({ attachmentId: id, bytes: bytes.length }, 'attachment uploaded');
      return true;
    } catch (caught) {
      const error = caught instanceof FieldlineError ? caught : new FieldlineError('SERVER_ERROR', String(caught));
      const details = detailsOf(error);
      if (error.code === 'VERSION_CONFLICT' && details.alreadyUploaded === true) {
        // The server has the whole file already (an earlier attempt finished as the answer was lost).
        await this.o.db.updateTable('attachment_files').set({ upload_state: 'done', uploaded_bytes: bytes.length, upload_url: null }).where('attachment_id', '=', id).execute();
        return true;
      }
      if (error.code === 'NETWORK_ERROR' || error.code === 'AUTH_ERROR' || this.stopped) {
        // Not the file's fault: it stays queued where it is and the loop ends until the next cycle.
        await this.o.db.updateTable('attachment_files').set({ upload_state: 'waiting', last_error: JSON.stringify(error.toEnvelope()) }).where('attachment_id', '=', id).execute();
        throw error;
      }
      const attempts = row.attempts + 1;
      // Start over (a new upload) when the server lost this one or the bytes arrived damaged.
      const startOver = details.damaged === true || details.status === 404 || details.status === 410;
      // A refused file (wrong type, too large) fails at once; a server error or a fresh start is retried.
      const failed = (error.code !== 'SERVER_ERROR' && !startOver) || attempts >= maxAttempts;
      await this.o.db
        .updateTable('attachment_files')
        .set({
          upload_state: failed ? 'failed' : 'waiting',
          attempts,
          next_attempt_at: this.o.clock.now() + retryDelayMs(attempts, this.o.random),
          last_error: JSON.stringify(error.toEnvelope()),
          upload_url: failed || startOver ? null : row.upload_url,
        })
        .where('attachment_id', '=', id)
        .execute();
      this.o.logger.warn({ attachmentId: id, code: error.code, failed }, 'attachment upload refused');
      return false;
    }
  }

  private tus(id: string, bytes: Buffer, token: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let lastProgressWrite = 0;
      const db = this.o.db;
      const upload = new Upload(bytes, {
        endpoint: this.o.api.uploadsEndpoint(),
        uploadSize: bytes.length,
        chunkSize: this.chunkBytes,
        metadata: { attachmentId: id },
        headers: { authorization: `Bearer ${token}` },
        // Short retries inside one attempt; a longer outage ends the attempt and the next cycle resumes.
        retryDelays: [0, 1000, 3000, 5000],
        storeFingerprintForResuming: false,
        // 409: the offset moved under us (a killed run's last bytes landed after our HEAD); a
        // retry asks the server again. 423: the upload is still locked by that run.
        onShouldRetry: (error) => {
          const status = error.originalResponse?.getStatus() ?? 0;
          return status === 0 || status === 409 || status === 423 || status >= 500;
        },
        onUploadUrlAvailable: () => {
          void db.updateTable('attachment_files').set({ upload_url: upload.url }).where('attachment_id', '=', id).execute();
        },
        onProgress: (sent) => {
          const now = this.o.clock.now();
          if (now - lastProgressWrite < 250) return;
          lastProgressWrite = now;
          void db.updateTable('attachment_files').set({ uploaded_bytes: sent }).where('attachment_id', '=', id).execute();
        },
        onChunkComplete: (chunkSize, accepted) => {
          void db
            .updateTable('attachment_files')
            .set((eb) => ({ uploaded_bytes: accepted, bytes_sent: eb('bytes_sent', '+', chunkSize) }))
            .where('attachment_id', '=', id)
            .execute();
        },
        onSuccess: () => resolve(),
        onError: (error) => reject(tusError(error)),
      });
      this.current = upload;
      void (async () => {
        // Resume where the last attempt's upload lives; tus asks the server how much it holds. Without
        // the endpoint, a failed resume is an error here instead of a silent new upload that would
        // send everything again (and race the old one on the server).
        const stored = await db.selectFrom('attachment_files').select('upload_url').where('attachment_id', '=', id).executeTakeFirst();
        if (stored?.upload_url) {
          upload.options.uploadUrl = stored.upload_url;
          upload.options.endpoint = null;
        }
        upload.start();
      })().catch(reject);
    }).finally(() => {
      this.current = null;
    });
  }

  /**
   * After a pull: thumbnails of the work orders kept offline, then the cleanup of old closed work orders —
   * files of attachments no longer on the device, full copies of closed work orders' attachments.
   */
  async afterPull(): Promise<void> {
    await this.fetchThumbnails();
    await this.cleanUp();
  }

  private async fetchThumbnails(): Promise<void> {
    const kept = this.o.keptOfflineWorkOrders();
    const rows = await this.o.db
      .selectFrom('records as r')
      .leftJoin('attachment_files as f', 'f.attachment_id', 'r.id')
      .select(['r.id', 'r.data', 'f.thumbnail_state'])
      .where('r.entity', '=', 'attachment')
      .where('r.pending_delete', '=', 0)
      .where((eb) => eb.or([eb('f.thumbnail_state', 'is', null), eb('f.thumbnail_state', '=', 'none')]))
      .$if(kept.length > 0, (q) => q.where('r.work_order_id', 'in', [...kept]))
      .limit(this.o.thumbnailsPerCycle ?? 200)
      .execute();
    for (const row of rows) {
      const meta = attachmentMetaSchema.parse(parseData(row.data));
      if (!meta.uploaded) continue;
      if (meta.kind === 'photo') await this.fetchFile(meta.id, 'thumbnail');
      else await this.upsertRemote(meta, { thumbnail_state: 'unavailable' });
    }
  }

  /** Downloads an attachment's file or thumbnail and caches it encrypted (the user opened it). */
  async fetchFile(attachmentId: string, variant: AttachmentVariant): Promise<void> {
    const row = await this.o.db.selectFrom('records').select('data').where('entity', '=', 'attachment').where('id', '=', attachmentId).executeTakeFirst();
    if (!row) throw new FieldlineError('NOT_FOUND', `Attachment ${attachmentId} is not on this device`);
    const meta = attachmentMetaSchema.parse(parseData(row.data));
    const file = await this.o.db.selectFrom('attachment_files').select(['content_key', 'thumbnail_key']).where('attachment_id', '=', attachmentId).executeTakeFirst();
    if ((variant === 'content' ? file?.content_key : file?.thumbnail_key) ?? null) return;
    if (!meta.uploaded) throw new FieldlineError('NOT_FOUND', `${meta.fileName} is still on the device that took it; it can be opened once that device has synced`);
    const bytes = await this.o.auth.authorized((token) => this.o.api.downloadAttachment(token, attachmentId, variant));
    if (variant === 'content' && createHash('sha256').update(bytes).digest('hex') !== meta.sha256) {
      throw new FieldlineError('SERVER_ERROR', `${meta.fileName} arrived damaged; try again`);
    }
    const key = await this.o.vault.write(attachmentId, variant, bytes);
    await this.upsertRemote(meta, variant === 'content' ? { content_key: key } : { thumbnail_state: 'cached', thumbnail_key: key });
  }

  private async upsertRemote(meta: AttachmentMeta, set: { thumbnail_state?: 'cached' | 'unavailable'; thumbnail_key?: string; content_key?: string }): Promise<void> {
    await this.o.db
      .insertInto('attachment_files')
      .values({
        attachment_id: meta.id,
        work_order_id: meta.workOrderId,
        content_key: set.content_key ?? null,
        thumbnail_key: set.thumbnail_key ?? null,
        thumbnail_state: set.thumbnail_state ?? 'none',
        upload_state: 'none',
        upload_url: null,
        size: meta.size,
        uploaded_bytes: meta.size,
        bytes_sent: 0,
        priority: opPriority('attachment', 'create', { kind: meta.kind }),
        attempts: 0,
        next_attempt_at: 0,
        last_error: null,
        created_at: new Date(this.o.clock.now()).toISOString(),
      })
      .onConflict((oc) => oc.column('attachment_id').doUpdateSet(set))
      .execute();
  }

  /**
   * What is kept offline, for files: those whose record left the device go, closed work orders keep
   * thumbnails only. Runs after each pull and after the launch's expiry or a cache clear.
   */
  async cleanUp(): Promise<void> {
    const orphans = await this.o.db
      .selectFrom('attachment_files as f')
      .leftJoin('records as r', (join) => join.onRef('r.id', '=', 'f.attachment_id').on('r.entity', '=', 'attachment'))
      .select('f.attachment_id')
      .where('r.id', 'is', null)
      // A file of ours that has not uploaded is never thrown away, record or not.
      .where('f.upload_state', 'in', ['none', 'done'])
      .execute();
    for (const { attachment_id: id } of orphans) {
      await this.o.db.deleteFrom('attachment_files').where('attachment_id', '=', id).execute();
      await this.o.vault.remove(id);
    }
    // A file with no row at all: its write was interrupted before the record committed. Only old
    // ones: a file being attached right now is written a moment before its row.
    const known = new Set((await this.o.db.selectFrom('attachment_files').select('attachment_id').execute()).map((r) => r.attachment_id));
    for (const id of await this.o.vault.storedIds(this.o.clock.now() - 10 * 60_000)) if (!known.has(id)) await this.o.vault.remove(id);
    // Closed work orders keep thumbnails, not full copies (they come back on demand).
    // Driven from the few cached files, each probing its work order by key: joined the other way
    // the planner walks every closed work order on the device (0.6 s for a supervisor at 100k).
    const closed = await this.o.db
      .selectFrom('attachment_files as f')
      .select('f.attachment_id')
      .where('f.content_key', 'is not', null)
      .where('f.upload_state', 'in', ['none', 'done'])
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('records as w')
            .select('w.id')
            .where('w.entity', '=', 'workOrder')
            .whereRef('w.id', '=', 'f.work_order_id')
            .where('w.status', 'in', finishedStatuses),
        ),
      )
      .execute();
    for (const { attachment_id: id } of closed) {
      await this.o.db.updateTable('attachment_files').set({ content_key: null }).where('attachment_id', '=', id).execute();
      await this.o.vault.removeContent(id);
    }
  }
}
