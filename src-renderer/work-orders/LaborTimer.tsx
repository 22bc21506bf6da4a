import { useState } from 'react';
import { useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { useNow } from '../app/useNow';

const timerPrefix = 'fieldline.labor-timer.';
const timerKey = (workOrderId: string) => `${timerPrefix}${workOrderId}`;

/** The labor timers running on this laptop: which work order, since when. */
export function runningTimers(): { workOrderId: string; startedAt: string }[] {
  const timers: { workOrderId: string; startedAt: string }[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    const startedAt = key?.startsWith(timerPrefix) ? localStorage.getItem(key) : null;
    if (key && startedAt) timers.push({ workOrderId: key.slice(timerPrefix.length), startedAt });
  }
  return timers;
}

/**
 * Start/stop labor timer. The running start time survives a reload or a crash (localStorage holds
 * only a timestamp); stopping records a labor entry like any other change, saved and queued.
 */
export function LaborTimer({ workOrderId }: { workOrderId: string }) {
  const addLabor = useIpcMutation('workOrders.addLabor');
  const [startedAt, setStartedAt] = useState<string | null>(() => localStorage.getItem(timerKey(workOrderId)));
  const [manualMinutes, setManualMinutes] = useState('');
  const [note, setNote] = useState('');
  const now = useNow();
  const elapsedMinutes = startedAt ? Math.floor((now - Date.parse(startedAt)) / 60_000) : 0;

  const start = () => {
    const iso = new Date().toISOString();
    localStorage.setItem(timerKey(workOrderId), iso);
    setStartedAt(iso);
  };
  const stop = () => {
    if (!startedAt) return;
    const end = new Date();
    const minutes = Math.max(1, Math.round((end.getTime() - Date.parse(startedAt)) / 60_000));
    addLabor.mutate(
      { workOrderId, start: startedAt, end: end.toISOString(), minutes, note },
      {
        onSuccess: () => {
          localStorage.removeItem(timerKey(workOrderId));
          setStartedAt(null);
          setNote('');
        },
      },
    );
  };
  const addManual = () => {
    const minutes = Number(manualMinutes);
    if (!Number.isInteger(minutes) || minutes <= 0) return;
    const end = new Date();
    addLabor.mutate(
      { workOrderId, start: new Date(end.getTime() - minutes * 60_000).toISOString(), end: end.toISOString(), minutes, note },
      { onSuccess: () => (setManualMinutes(''), setNote('')) },
    );
  };
  return (
    <div className="labor-timer">
      {startedAt ? (
        <p>
          Timer running: <strong>{elapsedMinutes} min</strong>{' '}
          <button type="button" className="primary" onClick={stop} disabled={addLabor.isPending}>
            Stop and record
          </button>
        </p>
      ) : (
        <button type="button" onClick={start}>
          Start labor timer
        </button>
      )}
      <div className="inline-form">
        <label>
          Minutes
          <input type="number" min="1" inputMode="numeric" value={manualMinutes} onChange={(e) => setManualMinutes(e.target.value)} />
        </label>
        <label className="grow">
          Note
          <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
        </label>
        <button type="button" onClick={addManual} disabled={!manualMinutes || addLabor.isPending}>
          Add labor
        </button>
      </div>
      <ErrorNote error={addLabor.error} />
    </div>
  );
}
