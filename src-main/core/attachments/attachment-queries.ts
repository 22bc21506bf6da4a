import { attachmentMetaSchema } from '../../../src-shared/domain/entities';
import { planUploads, type UploadHold } from '../../../src-shared/domain/attachment-rules';
import type { AttachmentVariant } from '../../../src-shared/protocol/attachments';
import { errorEnvelopeSchema, FieldlineError } from '../../../src-shared/protocol/errors';
import type { AttachmentFileView, AttachmentUploadView } from '../../../src-shared/ipc/ipc-views';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { recordLabel } from '../store/record-label';
import type { SyncRunner } from '../sync/sync-runner';
import type { AttachmentVault } from './attachment-vault';
import type { NetworkCostProbe } from './network-cost';
import { uploadCandidateOf } from './upload-candidate';

function parseError(text: string | null) {
  if (!text) return null;
  const parsed = errorEnvelopeSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : null;
}

/** Reading attachments on the device: a file (from the encrypted cache, fetched if need be) and the upload queue. */
export class AttachmentQueries {
  constructor(
    private readonly db: ClientDb,
    private readonly vault: AttachmentVault,
    private readonly engine: SyncRunner,
    private readonly network: NetworkCostProbe,
    private readonly largeOnlyUnmetered: () => boolean,
    private readonly now: () => number,
  ) {}

  /** The decrypted bytes of a file or thumbnail; downloads and caches it first when it is not here. */
  async file(attachmentId: string, variant: AttachmentVariant): Promise<AttachmentFileView> {
    const record = await this.db.selectFrom('records').select('data').where('entity', '=', 'attachment').where('id', '=', attachmentId).executeTakeFirst();
    if (!record) throw new FieldlineError('NOT_FOUND', `Attachment ${attachmentId} is not on this device`);
    const meta = attachmentMetaSchema.parse(parseData(record.data));
    if (variant === 'thumbnail' && meta.kind !== 'photo') throw new FieldlineError('NOT_FOUND', `${meta.fileName} has no thumbnail`);
    const keyOf = async () => {
      const row = await this.db.selectFrom('attachment_files').select(['content_key', 'thumbnail_key']).where('attachment_id', '=', attachmentId).executeTakeFirst();
      return (variant === 'content' ? row?.content_key : row?.thumbnail_key) ?? null;
    };
    let key = await keyOf();
    if (!key) {
      await this.engine.fetchAttachment(attachmentId, variant);
      key = await keyOf();
      if (!key) throw new FieldlineError('NOT_FOUND', `${meta.fileName} could not be fetched`);
    }
    const bytes = await this.vault.read(attachmentId, variant, key);
    return { attachmentId, variant, mimeType: variant === 'thumbnail' ? 'image/jpeg' : meta.mimeType, fileName: meta.fileName, contentBase64: bytes.toString('base64') };
  }

  /** This device's files not yet on the server, in the order they will go, with why each waits. */
  async uploads(): Promise<AttachmentUploadView[]> {
    const rows = await this.db
      .selectFrom('attachment_files as f')
      .leftJoin('records as r', (join) => join.onRef('r.id', '=', 'f.attachment_id').on('r.entity', '=', 'attachment'))
      .leftJoin('records as w', (join) => join.onRef('w.id', '=', 'f.work_order_id').on('w.entity', '=', 'workOrder'))
      .select(['f.attachment_id', 'f.work_order_id', 'f.size', 'f.uploaded_bytes', 'f.bytes_sent', 'f.upload_state', 'f.priority', 'f.next_attempt_at', 'f.created_at', 'f.last_error', 'r.data', 'r.version', 'w.data as work_order_data'])
      .where('f.upload_state', 'in', ['waiting', 'uploading', 'failed'])
      .execute();
    const cost = await this.network.current();
    const candidates = rows.map(uploadCandidateOf);
    const plan = planUploads(
      candidates,
      { metered: cost === 'metered', largeOnlyUnmetered: this.largeOnlyUnmetered() },
      this.now(),
    );
    // Files that go now first, in send order; then the waiting ones by priority and age.
    const order = new Map(plan.send.map((id, i) => [id, i]));
    const rank = new Map(rows.map((r) => [r.attachment_id, order.get(r.attachment_id) ?? plan.send.length + r.priority * 1e13 + Date.parse(r.created_at)]));
    const views = rows.map((r, i): AttachmentUploadView => {
      const state = candidates[i]?.state === 'failed' ? 'failed' : candidates[i]?.state === 'uploading' ? 'uploading' : 'waiting';
      const meta = r.data ? attachmentMetaSchema.safeParse(parseData(r.data)) : null;
      const workOrder = r.work_order_data ? parseData(r.work_order_data) : {};
      const hold: UploadHold | 'uploading' | null = state === 'uploading' ? 'uploading' : (plan.held[r.attachment_id] ?? null);
      return {
        attachmentId: r.attachment_id,
        workOrderId: r.work_order_id,
        workOrderLabel: recordLabel(workOrder, r.work_order_id),
        fileName: meta?.success ? meta.data.fileName : r.attachment_id,
        kind: meta?.success ? meta.data.kind : 'document',
        size: r.size,
        uploadedBytes: Math.min(r.uploaded_bytes, r.size),
        bytesSent: r.bytes_sent,
        state,
        hold: hold === 'done' ? null : hold,
        lastError: parseError(r.last_error),
      };
    });
    return views.sort((a, b) => (rank.get(a.attachmentId) ?? 0) - (rank.get(b.attachmentId) ?? 0));
  }

  /** A refused or failed upload, tried again from where the server's copy ends. */
  async retryUpload(attachmentId: string): Promise<void> {
    const result = await this.db
      .updateTable('attachment_files')
      .set({ upload_state: 'waiting', attempts: 0, next_attempt_at: 0, last_error: null })
      .where('attachment_id', '=', attachmentId)
      .where('upload_state', '=', 'failed')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new FieldlineError('NOT_FOUND', 'That upload is not waiting for a retry');
    void this.engine.sync('manual').catch(() => undefined);
  }
}
