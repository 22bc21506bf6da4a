import { useEffect, useRef, type ReactNode, type RefObject } from 'react';

const focusable = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Every dialog of the app: it holds the keyboard while open (Tab and Shift+Tab cycle inside it,
 * never reaching the page behind), Escape closes it, and on closing the focus goes back to what
 * opened it. `initialFocus` is the safe choice, focused first.
 */
export function Modal(props: { labelledBy: string; className?: string; onClose: () => void; initialFocus?: RefObject<HTMLElement | null>; children: ReactNode }) {
  const dialog = useRef<HTMLDivElement>(null);
  const onClose = useRef(props.onClose);
  onClose.current = props.onClose;
  const initialFocus = props.initialFocus;
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    (initialFocus?.current ?? dialog.current?.querySelector<HTMLElement>(focusable) ?? dialog.current)?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onClose.current();
        return;
      }
      if (event.key !== 'Tab' || !dialog.current) return;
      const items = [...dialog.current.querySelectorAll<HTMLElement>(focusable)];
      const first = items[0];
      const last = items.at(-1);
      if (!first || !last) {
        event.preventDefault();
        return;
      }
      const inside = dialog.current.contains(document.activeElement);
      if (event.shiftKey && (document.activeElement === first || !inside)) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (document.activeElement === last || !inside)) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      if (opener?.isConnected) opener.focus();
    };
  }, [initialFocus]);
  return (
    <div className="modal-backdrop">
      <div ref={dialog} className={`modal ${props.className ?? ''}`} role="dialog" aria-modal="true" aria-labelledby={props.labelledBy} tabIndex={-1}>
        {props.children}
      </div>
    </div>
  );
}
