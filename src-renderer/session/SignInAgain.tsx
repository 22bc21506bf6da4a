import { useRef, useState } from 'react';
import { Modal } from '../app/Modal';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';

/**
 * The sign-in expired or was revoked (away too long, a server restore): the same person enters
 * their password and sync resumes. Nothing on the laptop is touched — queued changes, conflicts
 * and photos all stay.
 */
export function SignInAgain() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    opener.current?.focus();
  };
  return (
    <>
      <button type="button" ref={opener} className="primary" onClick={() => setOpen(true)}>
        Sign in again
      </button>
      {open && <SignInAgainDialog onDone={close} />}
    </>
  );
}

function SignInAgainDialog({ onDone }: { onDone: () => void }) {
  const current = useIpc('session.get', {});
  const signIn = useIpcMutation('session.signIn');
  const [password, setPassword] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const session = current.data?.session;
  return (
    <Modal labelledBy="sign-in-again-title" onClose={onDone} initialFocus={field}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (session) signIn.mutate({ serverUrl: session.serverUrl, username: session.username, password }, { onSuccess: onDone });
        }}
      >
        <h2 id="sign-in-again-title">Sign in again</h2>
        <div className="modal-body">
          <p>
            Your sign-in has ended, so nothing can be sent until you sign in. Everything on this laptop stays as it is: your queued changes, conflicts and photos go out
            once you are signed in.
          </p>
          <p>
            Signed in as <strong>{session?.displayName ?? '…'}</strong> ({session?.username}) on {session?.serverUrl}.
          </p>
          <label className="block">
            Password
            <input ref={field} value={password} onChange={(e) => setPassword(e.target.value)} required type="password" autoComplete="current-password" />
          </label>
          <ErrorNote error={signIn.error ?? current.error} />
        </div>
        <div className="actions">
          <button type="button" onClick={onDone}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={signIn.isPending || !session}>
            {signIn.isPending ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
