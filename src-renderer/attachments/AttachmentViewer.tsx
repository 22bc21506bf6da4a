import { useRef } from 'react';
import { Modal } from '../app/Modal';
import type { AttachmentMeta } from '../../src-shared/domain/entities';
import { formatBytes } from '../../src-shared/domain/attachment-rules';
import { useIpc } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';
import { useObjectUrl } from './AttachmentThumbnail';

/** The full photo or document, decrypted from the device's cache or fetched from the server on demand. */
export function AttachmentViewer({ attachment, onClose }: { attachment: AttachmentMeta; onClose: () => void }) {
  const file = useIpc('attachments.file', { attachmentId: attachment.id, variant: 'content' });
  const url = useObjectUrl(file.data);
  const close = useRef<HTMLButtonElement>(null);
  return (
    <Modal labelledBy="viewer-title" className="viewer" onClose={onClose} initialFocus={close}>
        <h2 id="viewer-title">{attachment.fileName}</h2>
        <p className="muted">
          {attachment.description ? `${attachment.description} — ` : ''}
          {formatBytes(attachment.size)}, taken {dateTime(attachment.capturedAt)}
          {attachment.location ? ` at ${attachment.location.latitude.toFixed(5)}, ${attachment.location.longitude.toFixed(5)}` : ''}
        </p>
        <ErrorNote error={file.error} />
        {file.isPending && <p>Opening…</p>}
        {url && attachment.mimeType.startsWith('image/') && <img className="full-photo" src={url} alt={attachment.description || attachment.fileName} />}
        <div className="actions">
          {url && (
            <a className="button" href={url} download={attachment.fileName}>
              Save a copy
            </a>
          )}
          <button type="button" ref={close} onClick={onClose}>
            Close
          </button>
        </div>
    </Modal>
  );
}
