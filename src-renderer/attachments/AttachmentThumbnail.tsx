import { useEffect, useMemo } from 'react';
import type { AttachmentMeta } from '../../src-shared/domain/entities';
import { useIpc } from '../api/fieldline';
import { objectUrlOf } from './picked-file';

/** A decrypted file from the core as an object URL, revoked when it is no longer shown. */
export function useObjectUrl(file: { contentBase64: string; mimeType: string } | undefined): string | null {
  const url = useMemo(() => (file ? objectUrlOf(file.contentBase64, file.mimeType) : null), [file]);
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);
  return url;
}

/** A photo's thumbnail (fetched from the server once if this device has none), or the document's type. */
export function AttachmentThumbnail({ attachment }: { attachment: AttachmentMeta }) {
  const isPhoto = attachment.kind === 'photo';
  const thumbnail = useIpc('attachments.file', { attachmentId: attachment.id, variant: 'thumbnail' }, { enabled: isPhoto });
  const url = useObjectUrl(thumbnail.data);
  if (isPhoto && url) return <img className="thumb" src={url} alt={attachment.description || attachment.fileName} />;
  const label = isPhoto ? (thumbnail.isPending ? '…' : 'Photo') : (attachment.fileName.split('.').pop() ?? 'file').toUpperCase();
  return (
    <span className="thumb thumb-placeholder" aria-hidden="true">
      {label}
    </span>
  );
}
