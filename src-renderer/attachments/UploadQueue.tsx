import { useQuery } from '@tanstack/react-query';
import { formatBytes } from '../../src-shared/domain/attachment-rules';
import { api, useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { navigate } from '../app/routing';
import { uploadStateText } from './upload-state';

/** Files waiting to upload, in the order they go, each with its progress and what it waits for. */
export function UploadQueue() {
  // Progress moves without a data change to announce it: read again every second while any file moves.
  const uploads = useQuery({
    queryKey: ['attachments.uploads', {}],
    queryFn: () => api().invoke('attachments.uploads', {}),
    refetchInterval: (query) => (query.state.data?.some((u) => u.state !== 'failed') ? 1000 : false),
  });
  const retry = useIpcMutation('attachments.retryUpload');
  const items = uploads.data ?? [];
  return (
    <section aria-labelledby="uploads-title" className="uploads">
      <h2 id="uploads-title">Photos and documents to upload</h2>
      <ErrorNote error={uploads.error ?? retry.error} />
      {items.length === 0 ? (
        <p className="muted">Every photo and document is on the server.</p>
      ) : (
        <ul className="plain-list upload-list" data-testid="upload-list">
          {items.map((u) => {
            const percent = u.size > 0 ? Math.floor((u.uploadedBytes / u.size) * 100) : 0;
            return (
              <li key={u.attachmentId} className={`upload-${u.state}`}>
                <div className="upload-line">
                  <strong>{u.fileName}</strong>
                  <a href={`#/work-orders/${u.workOrderId}`} onClick={(e) => (e.preventDefault(), navigate({ view: 'detail', id: u.workOrderId }))}>
                    {u.workOrderLabel}
                  </a>
                  <span className="muted">
                    {formatBytes(u.uploadedBytes)} of {formatBytes(u.size)}
                  </span>
                  {u.state === 'failed' && (
                    <button type="button" onClick={() => retry.mutate({ attachmentId: u.attachmentId })} disabled={retry.isPending}>
                      Retry
                    </button>
                  )}
                </div>
                <progress max={100} value={percent} aria-label={`${u.fileName} uploaded`}>
                  {percent} %
                </progress>
                <span className="muted" data-testid="upload-state">
                  {uploadStateText({ uploaded: false }, u)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
