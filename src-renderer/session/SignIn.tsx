import { useState } from 'react';
import { useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';

export function SignIn({ serverUrl, serverLocked }: { serverUrl: string | null; serverLocked: boolean }) {
  const signIn = useIpcMutation('session.signIn');
  const [server, setServer] = useState(serverUrl ?? 'http://127.0.0.1:8787');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <main className="sign-in">
      <form
        className="card"
        aria-labelledby="sign-in-title"
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate({ serverUrl: server.trim(), username: username.trim(), password });
        }}
      >
        <h1 id="sign-in-title">Sign in to Fieldline</h1>
        <label className="block">
          Server
          <input value={server} onChange={(e) => setServer(e.target.value)} required type="url" readOnly={serverLocked} aria-describedby={serverLocked ? 'server-locked' : undefined} />
          {serverLocked && (
            <span id="server-locked" className="muted small">
              Set by IT for this laptop.
            </span>
          )}
        </label>
        <label className="block">
          User
          <input value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="username" autoFocus />
        </label>
        <label className="block">
          Password
          <input value={password} onChange={(e) => setPassword(e.target.value)} required type="password" autoComplete="current-password" />
        </label>
        <ErrorNote error={signIn.error} />
        <button type="submit" className="primary" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">Your work orders are kept encrypted on this laptop so you can work without a network.</p>
      </form>
    </main>
  );
}
