import type { UploadCandidate } from '../../../src-shared/domain/attachment-rules';
import type { AttachmentFilesTable } from '../store/client-schema';

/** An attachment_files row (with its record's version) as the upload plan sees it. */
export function uploadCandidateOf(
  row: Pick<AttachmentFilesTable, 'attachment_id' | 'priority' | 'size' | 'upload_state' | 'next_attempt_at' | 'created_at'> & { version: number | null },
): UploadCandidate {
  return {
    id: row.attachment_id,
    priority: row.priority,
    size: row.size,
    recordSynced: row.version !== null && row.version > 0,
    state: row.upload_state === 'failed' ? 'failed' : row.upload_state === 'uploading' ? 'uploading' : 'waiting',
    notBefore: row.next_attempt_at,
    createdAt: row.created_at,
  };
}
