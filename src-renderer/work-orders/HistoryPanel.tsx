import { useState } from 'react';
import { fieldNames } from '../../src-shared/domain/field-names';
import { useIpc } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';

/** Who changed what on the work order and when: the server's record of every version, and this laptop's changes still to go. */
export function HistoryPanel({ workOrderId }: { workOrderId: string }) {
  const [open, setOpen] = useState(false);
  const history = useIpc('workOrders.history', { workOrderId }, { enabled: open });
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {!open ? (
        <button type="button" onClick={() => setOpen(true)}>
          Show who changed what
        </button>
      ) : (
        <>
          <ErrorNote error={history.error} />
          {history.isPending && <p>Loading…</p>}
          {history.data && (
            <ol className="history-list" data-testid="history">
              {history.data.pending.map((p, i) => (
                <li key={`pending-${i}`}>
                  <strong>On this laptop, not sent yet</strong> ({dateTime(p.at)}): {p.summary}
                </li>
              ))}
              {history.data.entries.map((e) => (
                <li key={e.version}>
                  {dateTime(e.at)} — <strong>{e.userName ?? 'Fieldline (the server)'}</strong>
                  {e.deviceName ? ` on ${e.deviceName}` : ''}: {e.fields.includes('*') ? (e.version === 1 ? 'created it' : 'deleted or restored it') : `changed ${fieldNames(e.fields).toLowerCase()}`}
                </li>
              ))}
            </ol>
          )}
          {history.data?.serverError && <p className="muted">The server’s history needs a connection: {history.data.serverError}</p>}
        </>
      )}
    </section>
  );
}
