import { useState } from 'react';
import { opPriorityLabel } from '../../src-shared/sync/op-priority';
import type { OutboxItem } from '../../src-shared/ipc/ipc-views';
import type { Json } from '../../src-shared/domain/json';
import { fieldName } from '../../src-shared/domain/field-names';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime, plural } from '../app/format';
import { navigate } from '../app/routing';
import { UploadQueue } from '../attachments/UploadQueue';

const stateLabel: Record<OutboxItem['state'], string> = {
  pending: 'Queued',
  'in-flight': 'Sending',
  failed: 'Failed',
  conflict: 'In conflict',
  refused: 'Refused by the server',
};

/** A field's value in a few words: text as typed (shortened), lists by their count. */
function briefValue(value: Json | undefined): string {
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'string') return value.length > 60 ? `“${value.slice(0, 57)}…”` : `“${value}”`;
  if (Array.isArray(value)) return plural(value.length, 'entry', 'entries');
  if (typeof value === 'object') return 'set';
  return String(value);
}

/** What a failed or refused change holds, so the technician sees exactly what is kept for them. */
function ChangeContent({ item }: { item: OutboxItem }) {
  const fields = Object.entries(item.values);
  if (fields.length === 0 || (item.state !== 'failed' && item.state !== 'refused')) return null;
  return (
    <ul className="change-content" aria-label="What this change holds">
      {fields.map(([field, value]) => (
        <li key={field}>
          {fieldName(field)}: {briefValue(value)}
        </li>
      ))}
    </ul>
  );
}

const waitsForPerson = (item: OutboxItem) => item.state === 'failed' || item.state === 'refused';

/** Every queued change: what, how urgent, where it stands, and what a person can do about it. */
export function QueueView() {
  const queue = useIpc('outbox.list', {});
  const retry = useIpcMutation('outbox.retry');
  const retryAll = useIpcMutation('outbox.retryAllFailed');
  const discard = useIpcMutation('outbox.discard');
  const [discarding, setDiscarding] = useState<OutboxItem | null>(null);
  const items = queue.data ?? [];
  const failed = items.filter(waitsForPerson).length;
  return (
    <section aria-labelledby="queue-title">
      <div className="view-header">
        <h1 id="queue-title">Queue</h1>
        <p className="muted">{items.length === 0 ? 'Nothing waiting: every change is on the server.' : `${plural(items.length, 'change')} waiting, ${failed} need you`}</p>
        <button type="button" onClick={() => retryAll.mutate({})} disabled={failed === 0 || retryAll.isPending}>
          Retry all failed and refused
        </button>
      </div>
      <ErrorNote error={queue.error ?? retry.error ?? retryAll.error ?? discard.error} />
      {items.length > 0 && (
        <table className="data-table" data-testid="queue-table">
          <thead>
            <tr>
              <th>Record</th>
              <th>Change</th>
              <th>Goes</th>
              <th>State</th>
              <th>Attempts</th>
              <th>Last error</th>
              <th>Next retry</th>
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.opId} className={`queue-${item.state}`}>
                <td>
                  {item.entity === 'workOrder' ? (
                    <a href={`#/work-orders/${item.recordId}`} className="nowrap" onClick={(e) => (e.preventDefault(), navigate({ view: 'detail', id: item.recordId }))}>
                      {item.record}
                    </a>
                  ) : (
                    item.record
                  )}
                </td>
                <td>
                  {item.summary}
                  <ChangeContent item={item} />
                </td>
                <td>{opPriorityLabel(item.priority)}</td>
                <td>
                  {stateLabel[item.state]}
                  {item.state === 'refused' && <div className="muted">{item.escalated ? 'Kept for the site’s supervisors to apply' : 'Kept here until you discard it'}</div>}
                </td>
                <td>{item.attempts}</td>
                <td>
                  {item.lastError ? (
                    <>
                      {item.lastError.message} <span className="muted">({item.lastError.code})</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{waitsForPerson(item) ? 'after a retry' : dateTime(item.nextAttemptAt)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => retry.mutate({ opId: item.opId })} disabled={!waitsForPerson(item)}>
                    Retry
                  </button>
                  <button type="button" className="danger" onClick={() => setDiscarding(item)} disabled={item.state === 'in-flight'}>
                    Discard
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {discarding && (
        <ConfirmDialog
          title="Discard this change?"
          confirmLabel="Discard change"
          danger
          busy={discard.isPending}
          onCancel={() => setDiscarding(null)}
          onConfirm={() => discard.mutate({ opId: discarding.opId }, { onSuccess: () => setDiscarding(null) })}
        >
          <p>
            “{discarding.summary}” on {discarding.record} will not be sent. The record goes back to what the server last sent
            {discarding.kind === 'create' ? ' — a record created here disappears' : ''}.
          </p>
        </ConfirmDialog>
      )}
      <UploadQueue />
    </section>
  );
}
