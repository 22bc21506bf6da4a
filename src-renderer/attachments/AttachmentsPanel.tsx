import { useRef, useState } from 'react';
import type { AttachmentMeta } from '../../src-shared/domain/entities';
import { formatBytes } from '../../src-shared/domain/attachment-rules';
import type { AttachmentUploadView } from '../../src-shared/ipc/ipc-views';
import { FieldlineError } from '../../src-shared/protocol/errors';
import { errorText, useIpc, useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';
import { AttachmentThumbnail } from './AttachmentThumbnail';
import { AttachmentViewer } from './AttachmentViewer';
import { CameraCapture, useHasCamera } from './CameraCapture';
import { documentAccept, kindOf, photoAccept, toAttachRequest } from './picked-file';
import { uploadStateText } from './upload-state';

/**
 * Photos and documents of one work order: attach by file picker, drag and drop or the camera,
 * offline like any other change. Each shows whether it has reached the server.
 */
export function AttachmentsPanel({ workOrderId, attachments }: { workOrderId: string; attachments: readonly AttachmentMeta[] }) {
  const add = useIpcMutation('attachments.add');
  const remove = useIpcMutation('attachments.remove');
  const uploads = useIpc('attachments.uploads', {});
  const hasCamera = useHasCamera();
  const [description, setDescription] = useState('');
  const [dragging, setDragging] = useState(false);
  const [camera, setCamera] = useState(false);
  const [viewing, setViewing] = useState<AttachmentMeta | null>(null);
  const [removing, setRemoving] = useState<AttachmentMeta | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);
  const photoInput = useRef<HTMLInputElement>(null);
  const documentInput = useRef<HTMLInputElement>(null);
  const uploadOf = new Map((uploads.data ?? []).map((u): [string, AttachmentUploadView] => [u.attachmentId, u]));

  const attach = async (files: readonly File[], kind?: AttachmentMeta['kind']) => {
    setPickError(null);
    for (const file of files) {
      try {
        const request = await toAttachRequest(file, kind ?? kindOf(file), workOrderId, description);
        await add.mutateAsync(request);
      } catch (error) {
        setPickError(error instanceof FieldlineError ? error.message : errorText(error));
        return;
      }
    }
    setDescription('');
  };

  return (
    <section className="card attachments" aria-labelledby="attachments-title">
      <h2 id="attachments-title">Photos and documents</h2>
      <ul className="attachment-grid">
        {attachments.map((a) => (
          <li key={a.id} data-testid="attachment">
            <button type="button" className="attachment-open" onClick={() => setViewing(a)} aria-label={`Open ${a.fileName}`}>
              <AttachmentThumbnail attachment={a} />
            </button>
            <div className="attachment-text">
              <strong>{a.fileName}</strong>
              {a.description && <span>{a.description}</span>}
              <span className="muted">
                {formatBytes(a.size)} · {dateTime(a.capturedAt)}
              </span>
              <span className="muted" data-testid="attachment-state">
                {uploadStateText(a, uploadOf.get(a.id))}
              </span>
            </div>
            <button type="button" className="danger" onClick={() => setRemoving(a)}>
              Remove
            </button>
          </li>
        ))}
        {attachments.length === 0 && <li className="muted">No photos or documents yet.</li>}
      </ul>
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void attach([...e.dataTransfer.files]);
        }}
      >
        <label className="grow">
          Description for the next file
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} placeholder="e.g. Seal after replacement" />
        </label>
        <div className="actions">
          <button type="button" onClick={() => photoInput.current?.click()} disabled={add.isPending}>
            Add photo
          </button>
          <button type="button" onClick={() => documentInput.current?.click()} disabled={add.isPending}>
            Add document
          </button>
          {hasCamera && (
            <button type="button" onClick={() => setCamera(true)} disabled={add.isPending}>
              Take photo
            </button>
          )}
        </div>
        <p className="muted">{add.isPending ? 'Saving…' : 'Or drop files here. Saved on this laptop at once, encrypted; uploaded when online.'}</p>
        <input ref={photoInput} type="file" accept={photoAccept} multiple hidden data-testid="photo-input" onChange={(e) => (void attach([...(e.target.files ?? [])], 'photo'), (e.target.value = ''))} />
        <input ref={documentInput} type="file" accept={documentAccept} multiple hidden data-testid="document-input" onChange={(e) => (void attach([...(e.target.files ?? [])], 'document'), (e.target.value = ''))} />
      </div>
      {pickError && (
        <p className="error" role="alert">
          {pickError}
        </p>
      )}
      <ErrorNote error={remove.error} />
      {camera && (
        <CameraCapture
          onClose={() => setCamera(false)}
          onTaken={(photo, takenAt) => {
            setCamera(false);
            void (async () => {
              try {
                const request = await toAttachRequest(photo, 'photo', workOrderId, description);
                await add.mutateAsync({ ...request, fileName: `photo-${takenAt.slice(0, 19).replace(/[:T]/g, '-')}.jpg`, capturedAt: takenAt });
                setDescription('');
              } catch (error) {
                setPickError(errorText(error));
              }
            })();
          }}
        />
      )}
      {viewing && <AttachmentViewer attachment={viewing} onClose={() => setViewing(null)} />}
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.fileName}?`}
          confirmLabel="Remove"
          danger
          onCancel={() => setRemoving(null)}
          onConfirm={() => remove.mutate({ attachmentId: removing.id }, { onSettled: () => setRemoving(null) })}
        >
          {removing.uploaded ? 'It is removed from the server too when this laptop syncs.' : 'It has not been uploaded yet; it is deleted from this laptop.'}
        </ConfirmDialog>
      )}
    </section>
  );
}

