import { useState } from 'react';
import type { LaborRecord } from '../../src-shared/domain/entities';
import { useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';
import { LaborTimer } from './LaborTimer';

/** Time on the job: timed or entered; a person corrects or removes their own entries while the work is open. */
export function LaborPanel(props: { workOrderId: string; labor: readonly LaborRecord[]; open: boolean; userId: string; oversees: boolean; people: ReadonlyMap<string, { displayName: string }> }) {
  const correct = useIpcMutation('workOrders.updateLabor');
  const remove = useIpcMutation('workOrders.removeLabor');
  const [editing, setEditing] = useState<{ id: string; minutes: string; note: string } | null>(null);
  const mayCorrect = (entry: LaborRecord) => props.open && (entry.userId === props.userId || props.oversees);
  return (
    <section className="card" aria-labelledby="labor-title">
      <h2 id="labor-title">Labor</h2>
      <ul className="plain-list">
        {props.labor.map((entry) =>
          editing?.id === entry.id ? (
            <li key={entry.id}>
              <form
                className="inline-form"
                aria-label="Correct labor entry"
                onSubmit={(e) => {
                  e.preventDefault();
                  correct.mutate({ workOrderId: props.workOrderId, laborId: entry.id, minutes: Number(editing.minutes), note: editing.note }, { onSuccess: () => setEditing(null) });
                }}
              >
                <label>
                  Minutes
                  <input type="number" min="1" step="1" required value={editing.minutes} onChange={(e) => setEditing({ ...editing, minutes: e.target.value })} />
                </label>
                <label className="grow">
                  Note
                  <input value={editing.note} maxLength={2000} onChange={(e) => setEditing({ ...editing, note: e.target.value })} />
                </label>
                <button type="submit" className="primary" disabled={!(Number(editing.minutes) >= 1) || correct.isPending}>
                  Save correction
                </button>
                <button type="button" onClick={() => setEditing(null)}>
                  Cancel
                </button>
              </form>
            </li>
          ) : (
            <li key={entry.id}>
              {entry.end === null ? `Started ${dateTime(entry.start)}, not stopped yet` : `${entry.minutes} min from ${dateTime(entry.start)}`}
              {entry.userId !== props.userId ? ` by ${props.people.get(entry.userId)?.displayName ?? 'someone else'}` : ''}
              {entry.note ? ` — ${entry.note}` : ''}
              {mayCorrect(entry) && (
                <>
                  <button type="button" onClick={() => setEditing({ id: entry.id, minutes: String(Math.max(1, entry.minutes)), note: entry.note })}>
                    Correct
                  </button>
                  <button type="button" className="danger" onClick={() => remove.mutate({ workOrderId: props.workOrderId, laborId: entry.id })}>
                    Remove
                  </button>
                </>
              )}
            </li>
          ),
        )}
        {props.labor.length === 0 && <li className="muted">No labor recorded.</li>}
      </ul>
      {props.open && <LaborTimer workOrderId={props.workOrderId} />}
      <ErrorNote error={correct.error ?? remove.error} />
    </section>
  );
}
