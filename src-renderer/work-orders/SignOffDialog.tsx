import { useRef, useState, type PointerEvent } from 'react';
import { errorText, useIpcMutation } from '../api/fieldline';
import { Modal } from '../app/Modal';
import { toAttachRequest } from '../attachments/picked-file';

/** The description a sign-off is stored under: the report finds it by this. */
export const signOffPrefix = 'Sign-off: ';

/**
 * The customer's or site contact's sign-off, on the touch screen: their name and signature, kept as
 * a photo of the work order (encrypted here, synced like any photo) and printed on the report.
 */
export function SignOffDialog({ workOrderId, onClose }: { workOrderId: string; onClose: () => void }) {
  const add = useIpcMutation('attachments.add');
  const canvas = useRef<HTMLCanvasElement>(null);
  const nameField = useRef<HTMLInputElement>(null);
  const drawing = useRef(false);
  const [name, setName] = useState('');
  const [strokes, setStrokes] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const point = (e: PointerEvent<HTMLCanvasElement>) => {
    const box = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * e.currentTarget.width) / box.width, y: ((e.clientY - box.top) * e.currentTarget.height) / box.height };
  };
  const start = (e: PointerEvent<HTMLCanvasElement>) => {
    const ctx = e.currentTarget.getContext('2d');
    if (!ctx) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drawing.current = true;
    const { x, y } = point(e);
    ctx.lineWidth = 3;
    ctx.lineCap = 'round';
    ctx.strokeStyle = '#0b0b0b';
    ctx.beginPath();
    ctx.moveTo(x, y);
  };
  const move = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!drawing.current) return;
    const ctx = e.currentTarget.getContext('2d');
    const { x, y } = point(e);
    ctx?.lineTo(x, y);
    ctx?.stroke();
  };
  const end = () => {
    if (drawing.current) setStrokes((n) => n + 1);
    drawing.current = false;
  };
  const clear = () => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, c.width, c.height);
    setStrokes(0);
  };
  const save = () => {
    const c = canvas.current;
    if (!c) return;
    setError(null);
    c.toBlob((blob) => {
      if (!blob) return setError('The signature could not be read');
      void (async () => {
        try {
          const request = await toAttachRequest(blob, 'photo', workOrderId, `${signOffPrefix}${name.trim()}`);
          await add.mutateAsync({ ...request, fileName: `sign-off-${name.trim().replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60) || 'signature'}.png` });
          onClose();
        } catch (caught) {
          setError(errorText(caught));
        }
      })();
    }, 'image/png');
  };

  return (
    <Modal labelledBy="sign-off-title" className="sign-off" onClose={onClose} initialFocus={nameField}>
      <h2 id="sign-off-title">Sign-off</h2>
      <label className="block">
        Name of the person signing
        <input ref={nameField} value={name} onChange={(e) => setName(e.target.value)} maxLength={120} required />
      </label>
      <p className="muted">Sign in the box with a finger or the pen.</p>
      <canvas
        ref={(node) => {
          canvas.current = node;
          const ctx = node?.getContext('2d');
          if (node && ctx && node.dataset.ready !== '1') {
            node.dataset.ready = '1';
            ctx.fillStyle = '#ffffff';
            ctx.fillRect(0, 0, node.width, node.height);
          }
        }}
        className="signature-pad"
        width={600}
        height={220}
        aria-label="Signature"
        data-testid="signature-pad"
        onPointerDown={start}
        onPointerMove={move}
        onPointerUp={end}
        onPointerLeave={end}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" onClick={clear} disabled={strokes === 0}>
          Clear
        </button>
        <button type="button" className="primary" onClick={save} disabled={strokes === 0 || name.trim() === '' || add.isPending}>
          Save sign-off
        </button>
      </div>
    </Modal>
  );
}
