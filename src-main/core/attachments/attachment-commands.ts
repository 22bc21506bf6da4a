import { createHash } from 'node:crypto';
import { attachmentMetaSchema, workOrderSchema, type AttachmentMeta, type User } from '../../../src-shared/domain/entities';
import { newRecordId, recordKey } from '../../../src-shared/domain/ids';
import { addAttachmentInputSchema, type AddAttachmentInput } from '../../../src-shared/domain/attachment-commands';
import { FieldlineError, parseOrThrow } from '../../../src-shared/protocol/errors';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { opPriority } from '../../../src-shared/sync/op-priority';
import { writeLocalChange, type LocalWriteResult } from '../outbox/local-writes';
import type { ClientDb } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { prepareAttachment } from './attachment-intake';
import type { AttachmentVault } from './attachment-vault';

/**
 * Attaching works offline like every other change: the file is prepared and stored encrypted at
 * once, its metadata record is queued (after its work order's create, if that is queued too), and
 * the bytes wait in the upload queue until the record is on the server.
 */
export class AttachmentCommands {
  constructor(
    private readonly db: ClientDb,
    private readonly clock: Clock,
    private readonly vault: AttachmentVault,
    private readonly user: () => User,
    private readonly changed: (result: LocalWriteResult) => void,
  ) {}

  async add(input: AddAttachmentInput): Promise<AttachmentMeta> {
    const request = parseOrThrow(addAttachmentInputSchema, input, 'attachment');
    const row = await this.db.selectFrom('records').select(['data', 'pending_delete']).where('entity', '=', 'workOrder').where('id', '=', request.workOrderId).executeTakeFirst();
    if (!row || row.pending_delete === 1) throw new FieldlineError('NOT_FOUND', `Work order ${request.workOrderId} is not on this device`);
    const workOrder = workOrderSchema.parse(parseData(row.data));
    const prepared = await prepareAttachment(request.kind, request.fileName, Buffer.from(request.contentBase64, 'base64'));
    const id = newRecordId();
    const nowIso = isoAt(this.clock);
    const meta: AttachmentMeta = attachmentMetaSchema.parse({
      id,
      workOrderId: workOrder.id,
      kind: prepared.kind,
      fileName: prepared.fileName,
      mimeType: prepared.mimeType,
      size: prepared.content.length,
      sha256: createHash('sha256').update(prepared.content).digest('hex'),
      description: request.description,
      capturedAt: prepared.capturedAt ?? request.capturedAt ?? nowIso,
      capturedBy: this.user().id,
      location: prepared.location ?? request.location ?? null,
      uploaded: false,
    });
    const contentKey = await this.vault.write(id, 'content', prepared.content);
    const thumbnailKey = prepared.thumbnail ? await this.vault.write(id, 'thumbnail', prepared.thumbnail) : null;
    try {
      const result = await writeLocalChange(
        this.db,
        this.clock,
        {
          kind: 'create',
          entity: 'attachment',
          record: meta,
          summary: `${meta.kind === 'photo' ? 'Photo' : 'Document'} ${meta.fileName} added to ${workOrder.number ?? workOrder.title}`,
          dependsOn: [recordKey('workOrder', workOrder.id)],
        },
        async (trx) => {
          await trx
            .insertInto('attachment_files')
            .values({
              attachment_id: id,
              work_order_id: workOrder.id,
              content_key: contentKey,
              thumbnail_key: thumbnailKey,
              thumbnail_state: thumbnailKey ? 'cached' : 'unavailable',
              upload_state: 'waiting',
              upload_url: null,
              size: meta.size,
              uploaded_bytes: 0,
              bytes_sent: 0,
              priority: opPriority('attachment', 'create', { kind: meta.kind }),
              attempts: 0,
              next_attempt_at: 0,
              last_error: null,
              created_at: nowIso,
            })
            .execute();
        },
      );
      this.changed(result);
    } catch (error) {
      await this.vault.remove(id);
      throw error;
    }
    return meta;
  }

  /**
   * Removes an attachment. One that never reached the server goes at once with its file; a synced
   * one is deleted on the server by the queued op, and its file goes when that is acknowledged.
   */
  async remove(attachmentId: string): Promise<void> {
    const row = await this.db.selectFrom('records').select(['data']).where('entity', '=', 'attachment').where('id', '=', attachmentId).executeTakeFirst();
    if (!row) throw new FieldlineError('NOT_FOUND', `Attachment ${attachmentId} is not on this device`);
    const meta = attachmentMetaSchema.parse(parseData(row.data));
    const result = await writeLocalChange(this.db, this.clock, { kind: 'delete', entity: 'attachment', id: attachmentId, summary: `${meta.fileName} removed` }, async (trx) => {
      // No upload of a file that is being deleted.
      await trx.updateTable('attachment_files').set({ upload_state: 'none' }).where('attachment_id', '=', attachmentId).execute();
    });
    if (result.opId === null) {
      await this.db.deleteFrom('attachment_files').where('attachment_id', '=', attachmentId).execute();
      await this.vault.remove(attachmentId);
    }
    this.changed(result);
  }
}
