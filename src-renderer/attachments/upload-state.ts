import type { AttachmentMeta } from '../../src-shared/domain/entities';
import { formatBytes } from '../../src-shared/domain/attachment-rules';
import type { AttachmentUploadView } from '../../src-shared/ipc/ipc-views';

const holdText: Record<NonNullable<AttachmentUploadView['hold']>, string> = {
  uploading: 'Uploading',
  'record-not-synced': 'Queued: uploads after the next sync',
  'unmetered-network': 'Waits for Wi-Fi or a wired network (large file)',
  backoff: 'Retrying soon',
  failed: 'Upload refused',
};

/** Where a file stands, in words a technician reads at a glance. */
export function uploadStateText(attachment: Pick<AttachmentMeta, 'uploaded'>, upload: AttachmentUploadView | undefined): string {
  if (attachment.uploaded) return 'On the server';
  if (!upload) return 'Not on the server yet';
  const progress = upload.size > 0 ? Math.floor((upload.uploadedBytes / upload.size) * 100) : 0;
  if (upload.state === 'uploading') return `Uploading ${progress} % of ${formatBytes(upload.size)}`;
  if (upload.state === 'failed') return `Upload refused: ${upload.lastError?.message ?? 'unknown reason'}`;
  return upload.hold ? holdText[upload.hold] : 'Waiting to upload';
}
