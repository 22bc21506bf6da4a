import type { SessionInfo } from '../../src-shared/settings/settings-schema';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { ErrorNote } from '../app/ErrorNote';
import { plural } from '../app/format';

/** Signing out wipes this user's data from the laptop: say what, and warn about unsynced work. */
export function SignOutDialog({ session, onClose }: { session: SessionInfo; onClose: () => void }) {
  const status = useIpc('sync.status', {});
  const signOut = useIpcMutation('session.signOut');
  const syncNow = useIpcMutation('sync.now');
  const queued = status.data?.queued ?? 0;
  return (
    <ConfirmDialog
      title="Sign out and wipe this laptop’s copy?"
      confirmLabel={queued > 0 ? `Sign out and lose ${plural(queued, 'change')}` : 'Sign out'}
      danger
      busy={signOut.isPending}
      onCancel={onClose}
      onConfirm={() => signOut.mutate({ force: queued > 0 }, { onSuccess: onClose })}
    >
      <p>
        Signing out deletes {session.displayName}’s encrypted work orders, attachments and saved sign-in from this laptop. The server keeps everything that was
        synced.
      </p>
      {queued > 0 && (
        <div className="warning" role="alert">
          <p>
            <strong>{plural(queued, 'change')} not synced yet</strong> would be lost.
          </p>
          <button type="button" onClick={() => syncNow.mutate({})} disabled={syncNow.isPending}>
            Sync now first
          </button>
          {syncNow.data && !syncNow.data.ok && <p>The server could not be reached: {syncNow.data.error?.message}</p>}
        </div>
      )}
      <ErrorNote error={signOut.error} />
    </ConfirmDialog>
  );
}
