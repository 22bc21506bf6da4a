import { useRef, type ReactNode } from 'react';
import { Modal } from './Modal';

/** A modal question with the safe answer focused; Escape cancels. */
export function ConfirmDialog(props: { title: string; children: ReactNode; confirmLabel: string; danger?: boolean; onConfirm: () => void; onCancel: () => void; busy?: boolean }) {
  const cancel = useRef<HTMLButtonElement>(null);
  return (
    <Modal labelledBy="confirm-title" onClose={props.onCancel} initialFocus={cancel}>
        <h2 id="confirm-title">{props.title}</h2>
        <div className="modal-body">{props.children}</div>
        <div className="actions">
          <button type="button" ref={cancel} onClick={props.onCancel}>
            Cancel
          </button>
          <button type="button" className={props.danger ? 'danger' : 'primary'} onClick={props.onConfirm} disabled={props.busy}>
            {props.confirmLabel}
          </button>
        </div>
    </Modal>
  );
}
