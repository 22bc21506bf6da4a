import { useEffect, useState } from 'react';
import type { SyncStatus } from '../../src-shared/sync/sync-status';
import { api, useIpc, useIpcMutation } from '../api/fieldline';
import { plural, relativeTime } from '../app/format';
import { useNow } from '../app/useNow';
import { SignInAgain } from '../session/SignInAgain';

/** The badge's words (issue 4): one line a technician reads at a glance. */
export function statusText(status: SyncStatus, now: number): { text: string; tone: 'ok' | 'busy' | 'warn' | 'bad' } {
  switch (status.state) {
    case 'syncing':
      return { text: status.progress && status.progress.total > 0 ? `Syncing ${status.progress.done} of ${status.progress.total}` : 'Syncing…', tone: 'busy' };
    case 'offline':
      return { text: status.queued > 0 ? `Offline — ${plural(status.queued, 'change')} queued` : 'Offline — nothing queued', tone: 'warn' };
    case 'failed': {
      const seconds = status.retryAt ? Math.max(0, Math.ceil((Date.parse(status.retryAt) - now) / 1000)) : null;
      return { text: seconds === null ? 'Sync failed' : `Sync failed — retry in ${seconds} s`, tone: 'bad' };
    }
    case 'signed-out':
      return { text: 'Signed out — sign in again to sync', tone: 'bad' };
    case 'idle':
      if (status.conflicts > 0) return { text: plural(status.conflicts, 'conflict'), tone: 'warn' };
      if (status.failed > 0) return { text: `${plural(status.failed, 'change')} failed`, tone: 'bad' };
      return { text: status.lastSyncAt ? `Synced ${relativeTime(status.lastSyncAt, now)}` : 'Not synced yet', tone: 'ok' };
  }
}

/** The worker's status, live: the first answer from IPC, then every event the main process sends. */
export function useSyncStatus(): SyncStatus | null {
  const initial = useIpc('sync.status', {});
  const [live, setLive] = useState<SyncStatus | null>(null);
  useEffect(() => api().on('sync.status', setLive), []);
  return live ?? initial.data ?? null;
}

export function StatusBadge() {
  const status = useSyncStatus();
  const now = useNow();
  const syncNow = useIpcMutation('sync.now');
  if (!status) return <div className="badge">…</div>;
  const { text, tone } = statusText(status, now);
  return (
    <div className="status-area">
      <div className={`badge badge-${tone}`} role="status" aria-live="polite" data-testid="sync-badge">
        {text}
        {status.state !== 'idle' && status.conflicts > 0 && <span className="chip">{plural(status.conflicts, 'conflict')}</span>}
        {status.queued > 0 && status.state === 'idle' && <span className="chip">{status.queued} queued</span>}
      </div>
      {status.state === 'signed-out' ? (
        <SignInAgain />
      ) : (
        <button type="button" onClick={() => syncNow.mutate({})} disabled={status.state === 'syncing' || syncNow.isPending}>
          Sync now
        </button>
      )}
    </div>
  );
}
