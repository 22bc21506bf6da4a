import { useState } from 'react';
import type { WorkOrder } from '../../src-shared/domain/entities';
import { useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { ErrorNote } from '../app/ErrorNote';
import { RecordOptions } from '../app/SelectOptions';

interface Person {
  id: string;
  displayName: string;
  role: string;
  siteIds: readonly string[];
}

/** A supervisor chooses who gets the work order, then confirms: picking from a list never reassigns by itself. */
export function AssignControl({ workOrder, people }: { workOrder: WorkOrder; people: readonly Person[] }) {
  const assign = useIpcMutation('workOrders.assign');
  const current = workOrder.assignedTo ?? '';
  const [chosen, setChosen] = useState(current);
  const [confirming, setConfirming] = useState(false);
  const nameOf = (id: string) => (id === '' ? 'nobody' : (people.find((p) => p.id === id)?.displayName ?? 'someone else'));
  const label = workOrder.number ?? 'this work order';
  return (
    <div className="inline-form">
      <label>
        Assigned to
        <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">Not assigned</option>
          <RecordOptions items={people.filter((p) => p.siteIds.includes(workOrder.siteId))} label={(p) => `${p.displayName} (${p.role})`} />
        </select>
      </label>
      <button type="button" disabled={chosen === current || assign.isPending} onClick={() => setConfirming(true)}>
        {chosen === '' ? 'Unassign…' : 'Assign…'}
      </button>
      <ErrorNote error={assign.error} />
      {confirming && (
        <ConfirmDialog
          title={chosen === '' ? `Take ${label} back from ${nameOf(current)}?` : `Give ${label} to ${nameOf(chosen)}?`}
          confirmLabel={chosen === '' ? 'Unassign' : `Assign to ${nameOf(chosen)}`}
          busy={assign.isPending}
          onCancel={() => setConfirming(false)}
          onConfirm={() => assign.mutate({ workOrderId: workOrder.id, assignedTo: chosen === '' ? null : chosen }, { onSuccess: () => setConfirming(false) })}
        >
          <p>
            {current !== '' && `It leaves ${nameOf(current)}’s list. `}
            {chosen !== '' ? `It appears on ${nameOf(chosen)}’s laptop at their next sync, as assigned.` : 'It goes back to the open work of the site.'}
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
