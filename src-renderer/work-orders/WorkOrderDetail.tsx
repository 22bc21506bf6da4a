import { useState } from 'react';
import { allowedTransitions, isOverdue, overseesSites, unfinishedStatuses } from '../../src-shared/domain/work-order-status';
import type { SessionInfo } from '../../src-shared/settings/settings-schema';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { NotesEditor } from './NotesEditor';
import { completionBlocked, completionGaps, requiredTasksOpen } from '../../src-shared/domain/close-out';
import { assetStatusSchema } from '../../src-shared/domain/entities';
import { ErrorNote } from '../app/ErrorNote';
import { RecordOptions } from '../app/SelectOptions';
import { dateTime } from '../app/format';
import { navigate } from '../app/routing';
import { useNow } from '../app/useNow';
import { SyncIcon } from '../sync/SyncIcon';
import { AttachmentsPanel } from '../attachments/AttachmentsPanel';
import { LaborPanel } from './LaborPanel';
import { HistoryPanel } from './HistoryPanel';
import { LabelsPanel } from './LabelsPanel';
import { AssetHistory } from './AssetHistory';
import { SignOffDialog } from './SignOffDialog';
import { MeasurementsPanel } from './MeasurementsPanel';
import { AssignControl } from './AssignControl';
import { assigneeName, statusLabel } from './labels';

/** One work order, everything a technician records on site, each change saved at once and queued. */
const assetStatusLabel: Record<(typeof assetStatusSchema.options)[number], string> = {
  operational: 'Operational',
  degraded: 'Working, degraded',
  failed: 'Failed',
  offline: 'Out of service',
};

export function WorkOrderDetail({ id, session }: { id: string; session: SessionInfo }) {
  const detail = useIpc('workOrders.get', { workOrderId: id });
  const changeStatus = useIpcMutation('workOrders.changeStatus');
  const setTask = useIpcMutation('workOrders.setTaskDone');
  const addPart = useIpcMutation('workOrders.addPartUsed');
  const removePart = useIpcMutation('workOrders.removePartUsed');
  const deleteDraft = useIpcMutation('workOrders.deleteDraft');
  const setAssetStatus = useIpcMutation('workOrders.setAssetStatus');
  const settings = useIpc('settings.get', {});
  const reference = useIpc('workOrders.reference', {});
  const updateSettings = useIpcMutation('settings.update');
  const [partId, setPartId] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [confirmComplete, setConfirmComplete] = useState(false);
  const [blockedComplete, setBlockedComplete] = useState(false);
  const [signing, setSigning] = useState(false);
  const now = useNow(60_000);
  const wo = detail.data?.workOrder;

  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!detail.data || !wo) return <p>Loading…</p>;
  const { asset, site, siteParts } = detail.data;
  const partName = new Map(siteParts.map((p) => [p.id, `${p.partNumber} — ${p.description}`]));
  const people = new Map((reference.data?.users ?? []).map((u) => [u.id, u]));
  const assignee = assigneeName(wo.assignedTo, people);
  const transitions = allowedTransitions(wo.status, session.role);
  // Readings and labor are corrected while the work is open; a completed work order is the record of the visit.
  const open = unfinishedStatuses.includes(wo.status);
  const error = updateSettings.error ?? changeStatus.error ?? setTask.error ?? addPart.error ?? removePart.error ?? deleteDraft.error ?? setAssetStatus.error;

  return (
    <article aria-labelledby="wo-title" className="detail">
      <div className="view-header">
        <button type="button" onClick={() => navigate({ view: 'list' })}>
          ← Work orders
        </button>
        <h1 id="wo-title">
          <span className="wo-number">{wo.number ?? 'New'}</span> {wo.title}
        </h1>
        <SyncIcon state={detail.data.syncState} />
        {settings.data && (
          <label className="check">
            <input
              type="checkbox"
              checked={settings.data.settings.keepOffline.workOrders.includes(wo.id)}
              onChange={(e) => {
                const keep = settings.data.settings.keepOffline;
                const workOrders = e.target.checked ? [...keep.workOrders, wo.id] : keep.workOrders.filter((w) => w !== wo.id);
                updateSettings.mutate({ keepOffline: { ...keep, workOrders } });
              }}
            />
            <span>Keep offline</span>
          </label>
        )}
      </div>
      {detail.data.openConflicts.length > 0 && (
        <p className="warning" role="alert">
          This work order has a conflict to decide. <a href="#/conflicts">Open conflicts</a>
        </p>
      )}
      <ErrorNote error={error} />
      <div className="detail-grid">
        <section className="card" aria-labelledby="status-title">
          <h2 id="status-title">Status: {statusLabel[wo.status]}</h2>
          <p>
            {wo.type} · priority <strong className={`priority-${wo.priority}`}>{wo.priority}</strong> ·{' '}
            {assignee ? `assigned to ${assignee}` : 'not assigned'}
          </p>
          {overseesSites(session.role) && <AssignControl workOrder={wo} people={reference.data?.users ?? []} />}
          <p className="muted">
            Scheduled {dateTime(wo.scheduledStart)} – {dateTime(wo.scheduledEnd)}
            {isOverdue(wo, now) && <strong className="overdue"> · Overdue</strong>}
          </p>
          <div className="actions">
            {transitions.map((next) => (
              <button
                key={next}
                type="button"
                className={next === 'completed' ? 'primary' : ''}
                onClick={() =>
                  next === 'completed' && completionBlocked(wo) !== null
                    ? setBlockedComplete(true)
                    : next === 'completed' && completionGaps(wo).length > 0
                      ? setConfirmComplete(true)
                      : changeStatus.mutate({ workOrderId: wo.id, status: next })
                }
                disabled={changeStatus.isPending}
              >
                {statusLabel[next]}
              </button>
            ))}
            {wo.status === 'draft' && wo.createdBy === session.userId && (
              <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                Delete draft
              </button>
            )}
          </div>
          {wo.description && <p className="description">{wo.description}</p>}
        </section>
        <section className="card" aria-labelledby="asset-title">
          <h2 id="asset-title">Asset and site</h2>
          {asset ? (
            <dl>
              <dt>Asset</dt>
              <dd>
                {asset.tag} — {asset.name}
              </dd>
              <dt>Model</dt>
              <dd>
                {asset.manufacturer} {asset.model} ({asset.serialNumber})
              </dd>
              <dt>
                <label htmlFor="asset-status">Status</label>
              </dt>
              <dd>
                {/* The state of the asset as found on site: sent first, before other changes (priority 2). */}
                <select id="asset-status" value={asset.status} onChange={(e) => setAssetStatus.mutate({ workOrderId: wo.id, status: assetStatusSchema.parse(e.target.value) })} disabled={setAssetStatus.isPending}>
                  {assetStatusSchema.options.map((status) => (
                    <option key={status} value={status}>
                      {assetStatusLabel[status]}
                    </option>
                  ))}
                </select>
              </dd>
              <dt>Location</dt>
              <dd>
                {[asset.location.building, asset.location.floor, asset.location.room].filter(Boolean).join(', ')}
              </dd>
            </dl>
          ) : (
            <p className="muted">No asset.</p>
          )}
          {asset && <AssetHistory assetId={asset.id} current={wo.id} />}
          {site && (
            <p>
              <strong>{site.name}</strong>, {site.address}
            </p>
          )}
        </section>
      </div>

      <section className="card" aria-labelledby="tasks-title">
        <h2 id="tasks-title">
          Tasks ({wo.tasks.filter((t) => t.done).length}/{wo.tasks.length})
        </h2>
        <ul className="checklist">
          {wo.tasks.map((task) => (
            <li key={task.id}>
              <label className="check">
                <input type="checkbox" checked={task.done} onChange={(e) => setTask.mutate({ workOrderId: wo.id, taskId: task.id, done: e.target.checked })} />
                <span>
                  {task.title}
                  {task.required && <strong className="required-mark"> (required)</strong>}
                </span>
              </label>
            </li>
          ))}
        </ul>
      </section>

      <section className="card" aria-labelledby="parts-title">
        <h2 id="parts-title">Parts used</h2>
        <ul className="plain-list">
          {wo.partsUsed.map((usage) => (
            <li key={usage.id}>
              {usage.quantity} × {partName.get(usage.partId) ?? usage.partId}{' '}
              <button type="button" onClick={() => removePart.mutate({ workOrderId: wo.id, usageId: usage.id })}>
                Remove
              </button>
            </li>
          ))}
          {wo.partsUsed.length === 0 && <li className="muted">None recorded.</li>}
        </ul>
        <div className="inline-form">
          <label className="grow">
            Part from site stock
            <select value={partId} onChange={(e) => setPartId(e.target.value)}>
              <option value="">Choose a part…</option>
              <RecordOptions items={siteParts} label={(p) => `${p.partNumber} — ${p.description} (${p.quantityAvailable} ${p.unit} in stock)`} />
            </select>
          </label>
          <label>
            Quantity
            <input type="number" min="1" value={quantity} onChange={(e) => setQuantity(e.target.value)} />
          </label>
          <button
            type="button"
            disabled={!partId || !(Number(quantity) > 0)}
            onClick={() => addPart.mutate({ workOrderId: wo.id, partId, quantity: Number(quantity) }, { onSuccess: () => (setPartId(''), setQuantity('1')) })}
          >
            Add part
          </button>
        </div>
      </section>

      <LaborPanel workOrderId={wo.id} labor={wo.laborRecords} open={open} userId={session.userId} oversees={overseesSites(session.role)} people={people} />

      <MeasurementsPanel workOrderId={wo.id} measurements={wo.measurements} open={open} />

      <LabelsPanel workOrderId={wo.id} tags={wo.tags} categories={wo.categories} />
      <AttachmentsPanel workOrderId={wo.id} attachments={detail.data.attachments} />
      <section className="card" aria-labelledby="close-out-title">
        <h2 id="close-out-title">Sign-off and report</h2>
        <div className="actions">
          <button type="button" onClick={() => setSigning(true)}>
            Capture sign-off
          </button>
          <button type="button" onClick={() => navigate({ view: 'report', id: wo.id })}>
            Service report
          </button>
        </div>
      </section>
      {signing && <SignOffDialog workOrderId={wo.id} onClose={() => setSigning(false)} />}
      <HistoryPanel workOrderId={wo.id} />

      <section className="card" aria-labelledby="notes-title">
        <h2 id="notes-title">Completion notes and root cause</h2>
        <NotesEditor workOrderId={wo.id} saved={{ completionNotes: wo.completionNotes ?? '', rootCause: wo.rootCause ?? '' }} syncState={detail.data.syncState} />
      </section>
      {blockedComplete && (
        <ConfirmDialog
          title={`${wo.number ?? 'This work order'} cannot be completed yet`}
          confirmLabel="Go to the tasks"
          onCancel={() => setBlockedComplete(false)}
          onConfirm={() => {
            setBlockedComplete(false);
            document.getElementById('tasks-title')?.scrollIntoView({ block: 'start' });
          }}
        >
          <p>These tasks are required and not done:</p>
          <ul data-testid="required-open">
            {requiredTasksOpen(wo).map((title) => (
              <li key={title}>{title}</li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
      {confirmComplete && (
        <ConfirmDialog
          title={`Complete ${wo.number ?? 'this work order'} with something missing?`}
          confirmLabel="Complete anyway"
          busy={changeStatus.isPending}
          onCancel={() => setConfirmComplete(false)}
          onConfirm={() => changeStatus.mutate({ workOrderId: wo.id, status: 'completed' }, { onSuccess: () => setConfirmComplete(false) })}
        >
          <ul data-testid="completion-gaps">
            {completionGaps(wo).map((gap) => (
              <li key={gap}>{gap}</li>
            ))}
          </ul>
          <p>A completed work order cannot be reopened from this laptop; a supervisor can.</p>
        </ConfirmDialog>
      )}
      {confirmDelete && (
        <ConfirmDialog
          title="Delete this draft?"
          confirmLabel="Delete draft"
          danger
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() => deleteDraft.mutate({ workOrderId: wo.id }, { onSuccess: () => navigate({ view: 'list' }) })}
        >
          <p>“{wo.title}” will be removed from this device{wo.number ? ' and the server' : ''}.</p>
        </ConfirmDialog>
      )}
    </article>
  );
}
