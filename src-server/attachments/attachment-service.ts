import sharp from 'sharp';
import { attachmentLimits } from '../../src-shared/domain/attachment-rules';
import { attachmentMetaSchema, type AttachmentMeta } from '../../src-shared/domain/entities';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { isoAt } from '../../src-shared/sync/clock';
import type { ChangesTable } from '../db/schema';
import type { SyncServiceDeps } from '../sync/push-service';
import { inScopeNowSql, type Principal } from '../sync/scope';
import { stateFromRow, type RecordState } from '../sync/record-state';
import { RecordUnitOfWork } from '../sync/unit-of-work';
import { canWrite } from '../sync/write-access';
import type { AttachmentStore } from './attachment-store';
import { checkUploadedContent } from './content-check';

/**
 * Attachment bytes on the server. The metadata is a synced record like any other (created by the
 * device's push); the file follows by tus, only from someone who may change the work order, and
 * counts once its content checks out: then the record says `uploaded` and every device learns it.
 */
export class AttachmentService {
  constructor(
    private readonly deps: SyncServiceDeps,
    readonly store: AttachmentStore,
  ) {}

  private async record(entity: 'attachment' | 'workOrder', id: string): Promise<RecordState | null> {
    const row = await this.deps.db.selectFrom('records').selectAll().where('entity', '=', entity).where('id', '=', id).executeTakeFirst();
    return row ? stateFromRow(row, entity) : null;
  }

  private async load(id: string) {
    const state = await this.record('attachment', id);
    if (!state || state.deleted) throw new FieldlineError('NOT_FOUND', `Attachment ${id} does not exist on the server; sync its record first`);
    const meta = attachmentMetaSchema.parse(state.data);
    return { state, parent: await this.record('workOrder', meta.workOrderId), meta };
  }

  /** The attachment a user may upload the file of: its work order is one they may change. */
  async forUpload(principal: Principal, id: string): Promise<AttachmentMeta> {
    const { state, parent, meta } = await this.load(id);
    if (!canWrite(principal.user, state, parent)) throw new FieldlineError('PERMISSION_DENIED', `You may not add files to work order ${meta.workOrderId}`);
    return meta;
  }

  /** The attachment a user may download: it is in their scope, as pull decides it. */
  async forDownload(principal: Principal, id: string): Promise<AttachmentMeta> {
    const row = await this.deps.db
      .selectFrom('records as r')
      .select(['r.data'])
      .where('r.entity', '=', 'attachment')
      .where('r.id', '=', id)
      .where('r.deleted', '=', 0)
      .where(inScopeNowSql(principal, {}, 'r', this.deps.clock.now()))
      .executeTakeFirst();
    if (row) return attachmentMetaSchema.parse(JSON.parse(row.data));
    const exists = await this.deps.db.selectFrom('records').select('id').where('entity', '=', 'attachment').where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    if (exists) throw new FieldlineError('PERMISSION_DENIED', 'This attachment belongs to a work order you do not have access to');
    throw new FieldlineError('NOT_FOUND', `Attachment ${id} does not exist`);
  }

  /**
   * The last chunk arrived: check the real content type and the hash, make the thumbnail, mark the
   * record uploaded. A refused file is removed at once, so nothing of it stays stored.
   */
  async finish(id: string): Promise<AttachmentMeta> {
    const { meta } = await this.load(id);
    const verdict = await checkUploadedContent(this.store.open(id, 'content'), meta);
    if (!verdict.ok) {
      await this.store.remove(id);
      throw new FieldlineError('VALIDATION_ERROR', verdict.reason, { detectedType: verdict.detectedType, damaged: verdict.damaged });
    }
    if (verdict.detectedType?.startsWith('image/')) {
      const thumbnail = await this.store
        .open(id, 'content')
        .pipe(sharp())
        .rotate()
        .resize({ width: attachmentLimits.thumbnailMaxPixels, height: attachmentLimits.thumbnailMaxPixels, fit: 'inside', withoutEnlargement: true })
        .jpeg({ quality: attachmentLimits.thumbnailJpegQuality })
        .toBuffer();
      await this.store.putThumbnail(id, thumbnail);
    }
    return this.markUploaded(id);
  }

  private async markUploaded(id: string): Promise<AttachmentMeta> {
    const { db, dialect, clock, hub } = this.deps;
    const nowIso = isoAt(clock);
    const outcome = await db.transaction().execute(async (trx) => {
      const uow = new RecordUnitOfWork(trx, dialect);
      await uow.load([{ entity: 'attachment', id }]);
      const current = uow.get('attachment', id);
      if (!current || current.deleted) throw new FieldlineError('NOT_FOUND', `Attachment ${id} was deleted while it uploaded`);
      const workOrderId = typeof current.data.workOrderId === 'string' ? current.data.workOrderId : '';
      await uow.load([{ entity: 'workOrder', id: workOrderId }]);
      if (current.data.uploaded !== true) uow.put({ ...current, data: { ...current.data, uploaded: true }, version: current.version + 1, updatedAt: nowIso });
      const commit = await uow.commit(nowIso, () => undefined);
      await hub.announce(trx, commit);
      return { commit, data: uow.get('attachment', id)?.data ?? current.data };
    });
    hub.publish(outcome.commit.head, outcome.commit.changes);
    return attachmentMetaSchema.parse(outcome.data);
  }

  /** A deleted attachment's bytes go with its record (the tombstone keeps the metadata). */
  async onCommitted(changes: readonly ChangesTable[]): Promise<void> {
    for (const change of changes) {
      if (change.entity === 'attachment' && change.op === 'delete') await this.store.remove(change.record_id);
    }
  }
}
