import { useState } from 'react';
import { workOrderPrioritySchema } from '../../src-shared/domain/entities';
import { isOverdue, overseesSites, workOrderStatuses, type WorkOrderStatus } from '../../src-shared/domain/work-order-status';
import type { WorkOrderListQuery } from '../../src-shared/domain/work-order-commands';
import { useIpc } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { EnumOptions, RecordOptions } from '../app/SelectOptions';
import { shortDate } from '../app/format';
import { navigate } from '../app/routing';
import { useNow } from '../app/useNow';
import { SyncIcon } from '../sync/SyncIcon';
import { assigneeName, statusLabel } from './labels';
import type { SessionInfo } from '../../src-shared/settings/settings-schema';

const pageSize = 100;

/** The list: search, filters, and each row's sync state; for a supervisor, who each work order is assigned to. */
export function WorkOrderList({ session }: { session: SessionInfo }) {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<WorkOrderStatus | ''>('');
  const [siteId, setSiteId] = useState('');
  const [priority, setPriority] = useState('');
  const [dueBefore, setDueBefore] = useState('');
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [limit, setLimit] = useState(pageSize);
  const now = useNow(60_000);
  const reference = useIpc('workOrders.reference', {});
  const parsedPriority = workOrderPrioritySchema.safeParse(priority);
  const query: WorkOrderListQuery = {
    limit,
    ...(search.trim() ? { search: search.trim() } : {}),
    ...(status ? { statuses: [status] } : {}),
    ...(siteId ? { siteId } : {}),
    ...(parsedPriority.success ? { priority: parsedPriority.data } : {}),
    ...(dueBefore ? { dueBefore: new Date(`${dueBefore}T23:59:59`).toISOString() } : {}),
    ...(overdueOnly ? { overdueAt: new Date(now).toISOString() } : {}),
  };
  const list = useIpc('workOrders.list', query);
  const sites = new Map((reference.data?.sites ?? []).map((s) => [s.id, s.name]));
  const people = new Map((reference.data?.users ?? []).map((u) => [u.id, u]));
  // A technician's list holds their own work; a supervisor plans who does what.
  const showAssignee = overseesSites(session.role);
  return (
    <section aria-labelledby="list-title">
      <div className="view-header">
        <h1 id="list-title">Work orders</h1>
        <button type="button" className="primary" onClick={() => navigate({ view: 'new' })}>
          New work order
        </button>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Number, title, description" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(workOrderStatuses.find((s) => s === e.target.value) ?? '')}>
            <option value="">All</option>
            <EnumOptions values={workOrderStatuses} label={(s) => statusLabel[s]} />
          </select>
        </label>
        <label>
          Site
          <select value={siteId} onChange={(e) => setSiteId(e.target.value)}>
            <option value="">All</option>
            <RecordOptions items={reference.data?.sites ?? []} label={(s) => s.name} />
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(e.target.value)}>
            <option value="">All</option>
            <EnumOptions values={workOrderPrioritySchema.options} />
          </select>
        </label>
        <label>
          Due by
          <input type="date" value={dueBefore} onChange={(e) => setDueBefore(e.target.value)} />
        </label>
        <label className="check">
          <input type="checkbox" checked={overdueOnly} onChange={(e) => setOverdueOnly(e.target.checked)} />
          <span>Overdue only</span>
        </label>
      </form>
      <ErrorNote error={list.error} />
      <p className="muted" aria-live="polite">
        {list.data ? `${list.data.total} work order${list.data.total === 1 ? '' : 's'}` : 'Loading…'}
      </p>
      <table className="data-table work-order-table" data-testid="work-order-list">
        <thead>
          <tr>
            <th>Number</th>
            <th>Title</th>
            <th>Status</th>
            <th>Priority</th>
            <th>Site</th>
            {showAssignee && <th>Assigned to</th>}
            <th>Due</th>
            <th>Tasks</th>
            <th>Sync</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((wo) => (
            <tr key={wo.id} data-work-order={wo.id}>
              <td className="nowrap">
                <a href={`#/work-orders/${wo.id}`}>{wo.number ?? 'new'}</a>
              </td>
              <td>
                <a href={`#/work-orders/${wo.id}`} className="row-link">
                  {wo.title}
                </a>
              </td>
              <td>{statusLabel[wo.status]}</td>
              <td className={`priority-${wo.priority}`}>{wo.priority}</td>
              <td>{sites.get(wo.siteId) ?? '—'}</td>
              {showAssignee && <td>{assigneeName(wo.assignedTo, people) ?? 'Not assigned'}</td>}
              <td className="nowrap">
                {shortDate(wo.scheduledEnd)}
                {isOverdue(wo, now) && <div className="overdue">Overdue</div>}
              </td>
              <td>
                {wo.tasksDone}/{wo.tasksTotal}
              </td>
              <td>
                <SyncIcon state={wo.syncState} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.total > list.data.items.length && (
        <button type="button" onClick={() => setLimit((n) => Math.min(500, n + pageSize))} disabled={limit >= 500}>
          Show more
        </button>
      )}
    </section>
  );
}
