import { useEffect, useRef, useState } from 'react';
import { secondsLeft, type SyncStatus } from '../../src-shared/sync/sync-status';
import { api, useIpc, useIpcMutation } from '../api/fieldline';
import { plural, relativeTime } from '../app/format';
import { useNow } from '../app/useNow';
import { SignInAgain } from '../session/SignInAgain';

/** The badge's words: one line a technician reads at a glance. */
export function statusText(status: SyncStatus, now: number, elapsedMs = 0): { text: string; tone: 'ok' | 'busy' | 'warn' | 'bad' } {
  switch (status.state) {
    case 'syncing': {
      const p = status.progress;
      if (!p || p.total <= 0) return { text: 'Syncing…', tone: 'busy' };
      const left = secondsLeft(p, elapsedMs);
      const estimate = left === null ? '' : left < 60 ? ` — about ${left} s left` : ` — about ${Math.ceil(left / 60)} min left`;
      return { text: `Syncing ${p.done.toLocaleString()} of ${p.total.toLocaleString()}${estimate}`, tone: 'busy' };
    }
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
      return status.lastSyncAt ? { text: `Synced ${relativeTime(status.lastSyncAt, now)}`, tone: 'ok' } : { text: 'Not synced yet', tone: 'warn' };
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
  // When this cycle's progress began: the estimate goes by the rate since.
  const started = useRef<number | null>(null);
  if (status?.state !== 'syncing' || !status.progress) started.current = null;
  else started.current ??= Date.now();
  if (!status) return <div className="badge">…</div>;
  const { text, tone } = statusText(status, now, started.current === null ? 0 : Date.now() - started.current);
  const progress = status.state === 'syncing' && status.progress && status.progress.total > 0 ? status.progress : null;
  return (
    <div className="status-area">
      <div className={`badge badge-${tone}`} role="status" aria-live="polite" data-testid="sync-badge">
        {text}
        {status.state !== 'idle' && status.conflicts > 0 && <span className="chip">{plural(status.conflicts, 'conflict')}</span>}
        {status.queued > 0 && status.state === 'idle' && <span className="chip">{status.queued} queued</span>}
        {progress && <progress className="badge-progress" max={progress.total} value={progress.done} aria-label="Sync progress" />}
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
