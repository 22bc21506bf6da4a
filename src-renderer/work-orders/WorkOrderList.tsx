import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { workOrderPrioritySchema } from '../../src-shared/domain/entities';
import { dayGroupLabel, groupMyDay } from '../../src-shared/domain/my-day';
import { isOverdue, overseesSites, workOrderStatuses } from '../../src-shared/domain/work-order-status';
import type { WorkOrderListQuery } from '../../src-shared/domain/work-order-commands';
import type { IpcResponse } from '../../src-shared/ipc/ipc-contract';
import type { SessionInfo } from '../../src-shared/settings/settings-schema';
import { useIpc } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { EnumOptions, RecordOptions } from '../app/SelectOptions';
import { shortDate } from '../app/format';
import { navigate } from '../app/routing';
import { useNow } from '../app/useNow';
import { SyncIcon } from '../sync/SyncIcon';
import { assigneeName, statusLabel } from './labels';
import { defaultListState, isFiltered, listStateSchema, loadListState, saveListState, type ListState } from './list-state';

const pageSize = 100;
type ListItem = IpcResponse<'workOrders.list'>['items'][number];

function endOfToday(now: number): number {
  const end = new Date(now);
  end.setHours(23, 59, 59, 999);
  return end.getTime();
}

/**
 * The work-order list. A technician starts on "My day": their open work, overdue first, then
 * today, then upcoming. "All work orders" searches and filters everything on the laptop; a
 * supervisor dispatches from it (by assignee, unassigned, and each person's open load). What is
 * shown, and where it was scrolled to, survives opening a work order and a restart.
 */
export function WorkOrderList({ session }: { session: SessionInfo }) {
  const [state, setState] = useState<ListState>(() => loadListState(session.userId, defaultListState(session.role)));
  const [limit, setLimit] = useState(pageSize);
  const update = (change: Partial<ListState>) => setState((current) => listStateSchema.parse({ ...current, ...change, scrollY: 0 }));
  useEffect(() => saveListState(session.userId, state), [session.userId, state]);

  const now = useNow(60_000);
  const reference = useIpc('workOrders.reference', {});
  const dispatching = overseesSites(session.role);
  const myDay = state.tab === 'my-day';
  const parsedPriority = workOrderPrioritySchema.safeParse(state.priority);
  const query: WorkOrderListQuery = myDay
    ? { limit: 500, assignedTo: session.userId, openOnly: true }
    : {
        limit,
        ...(state.search.trim() ? { search: state.search.trim() } : {}),
        ...(state.status ? { statuses: [state.status] } : {}),
        ...(state.siteId ? { siteId: state.siteId } : {}),
        ...(parsedPriority.success ? { priority: parsedPriority.data } : {}),
        ...(state.dueBefore ? { dueBefore: new Date(`${state.dueBefore}T23:59:59`).toISOString() } : {}),
        ...(state.overdueOnly ? { overdueAt: new Date(now).toISOString() } : {}),
        ...(state.assignee ? { assignedTo: state.assignee } : {}),
      };
  const list = useIpc('workOrders.list', query);
  const load = useIpc('workOrders.openLoad', { now: new Date(now).toISOString() }, { enabled: dispatching && !myDay });
  const sites = new Map((reference.data?.sites ?? []).map((s) => [s.id, s.name]));
  const people = new Map((reference.data?.users ?? []).map((u) => [u.id, u]));
  const technicians = (reference.data?.users ?? []).filter((u) => u.role === 'technician');

  // Back from a work order: the list where it was. The position is kept as the person scrolls.
  const restored = useRef(false);
  useLayoutEffect(() => {
    if (restored.current || !list.data) return;
    restored.current = true;
    window.scrollTo(0, state.scrollY);
  }, [list.data, state.scrollY]);
  useEffect(() => {
    const remember = () => {
      if (!restored.current) return;
      setState((current) => ({ ...current, scrollY: Math.max(0, Math.round(window.scrollY)) }));
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onScroll = () => {
      clearTimeout(timer);
      timer = setTimeout(remember, 150);
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      clearTimeout(timer);
      window.removeEventListener('scroll', onScroll);
    };
  }, []);

  const row = (wo: ListItem) => (
    // The whole row opens the work order (a 44 px target); the link inside is for the keyboard.
    <tr key={wo.id} data-work-order={wo.id} className="row-target" onClick={() => navigate({ view: 'detail', id: wo.id })}>
      <td className="nowrap">
        <a href={`#/work-orders/${wo.id}`} onClick={(e) => e.stopPropagation()}>
          {wo.number ?? 'new'}
        </a>
      </td>
      <td>{wo.title}</td>
      <td>{statusLabel[wo.status]}</td>
      <td className={`priority-${wo.priority}`}>{wo.priority}</td>
      <td>{sites.get(wo.siteId) ?? '—'}</td>
      {dispatching && !myDay && <td>{assigneeName(wo.assignedTo, people) ?? 'Not assigned'}</td>}
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
  );
  const columns = 8 + (dispatching && !myDay ? 1 : 0);
  let body: ReactNode = null;
  if (list.data && myDay) {
    body = groupMyDay(list.data.items, now, endOfToday(now)).map(({ group, items }) => [
      <tr key={`group-${group}`} className={`day-group day-group-${group}`}>
        <th colSpan={columns} scope="colgroup">
          {dayGroupLabel[group]} <span className="muted">({items.length})</span>
        </th>
      </tr>,
      ...items.map(row),
    ]);
  } else if (list.data) {
    body = list.data.items.map(row);
  }
  const empty = list.data?.items.length === 0;

  return (
    <section aria-labelledby="list-title">
      <div className="view-header">
        <h1 id="list-title">{myDay ? 'My day' : 'Work orders'}</h1>
        <div className="tabs" role="group" aria-label="Which work orders">
          <button type="button" className={myDay ? 'active' : ''} aria-pressed={myDay} onClick={() => update({ tab: 'my-day' })}>
            My day
          </button>
          <button type="button" className={myDay ? '' : 'active'} aria-pressed={!myDay} onClick={() => update({ tab: 'all' })}>
            All work orders
          </button>
        </div>
        <button type="button" className="primary" onClick={() => navigate({ view: 'new' })}>
          New work order
        </button>
      </div>
      {!myDay && (
        <form
          className="filters"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            // A barcode scanner types the tag and Enter: one match opens at once.
            const [only] = list.data?.items ?? [];
            if (only && list.data?.items.length === 1) navigate({ view: 'detail', id: only.id });
          }}
        >
          <label>
            Search
            <input type="search" value={state.search} onChange={(e) => update({ search: e.target.value })} placeholder="Number, title, asset tag (or scan it)" />
          </label>
          <label>
            Status
            <select value={state.status} onChange={(e) => update({ status: workOrderStatuses.find((s) => s === e.target.value) ?? '' })}>
              <option value="">All</option>
              <EnumOptions values={workOrderStatuses} label={(s) => statusLabel[s]} />
            </select>
          </label>
          <label>
            Site
            <select value={state.siteId} onChange={(e) => update({ siteId: e.target.value })}>
              <option value="">All</option>
              <RecordOptions items={reference.data?.sites ?? []} label={(s) => s.name} />
            </select>
          </label>
          <label>
            Priority
            <select value={state.priority} onChange={(e) => update({ priority: workOrderPrioritySchema.options.find((p) => p === e.target.value) ?? '' })}>
              <option value="">All</option>
              <EnumOptions values={workOrderPrioritySchema.options} />
            </select>
          </label>
          {dispatching && (
            <label>
              Assigned to
              <select value={state.assignee} onChange={(e) => update({ assignee: e.target.value })}>
                <option value="">Anyone</option>
                <option value="unassigned">Not assigned</option>
                <RecordOptions items={technicians} label={(u) => u.displayName} />
              </select>
            </label>
          )}
          <label>
            Due by
            <input type="date" value={state.dueBefore} onChange={(e) => update({ dueBefore: e.target.value })} />
          </label>
          <label className="check">
            <input type="checkbox" checked={state.overdueOnly} onChange={(e) => update({ overdueOnly: e.target.checked })} />
            <span>Overdue only</span>
          </label>
          {isFiltered(state) && (
            <button type="button" onClick={() => update({ ...defaultListState(session.role), tab: 'all' })}>
              Clear filters
            </button>
          )}
        </form>
      )}
      {dispatching && !myDay && load.data && (
        <ul className="load-list" aria-label="Open work by technician">
          {[...load.data]
            .sort((a, b) => b.open - a.open)
            .map((entry) => {
              const name = assigneeName(entry.assignedTo, people) ?? 'Not assigned';
              const chosen = state.assignee === (entry.assignedTo ?? 'unassigned');
              return (
                <li key={entry.assignedTo ?? 'unassigned'}>
                  <button type="button" className={chosen ? 'active' : ''} aria-pressed={chosen} onClick={() => update({ assignee: chosen ? '' : (entry.assignedTo ?? 'unassigned') })}>
                    {name}: {entry.open} open{entry.overdue > 0 ? `, ${entry.overdue} overdue` : ''}
                  </button>
                </li>
              );
            })}
        </ul>
      )}
      <ErrorNote error={list.error} />
      <p className="muted" aria-live="polite">
        {list.data ? (myDay ? `${list.data.total} open work order${list.data.total === 1 ? '' : 's'} assigned to you` : `${list.data.total} work order${list.data.total === 1 ? '' : 's'}`) : 'Loading…'}
      </p>
      {empty ? (
        <div className="card empty-state" data-testid="empty-list">
          {myDay ? (
            <>
              <p>Nothing open is assigned to you. New work appears here as soon as it is assigned and synced.</p>
              <button type="button" onClick={() => update({ tab: 'all' })}>
                See all work orders
              </button>
            </>
          ) : isFiltered(state) ? (
            <>
              <p>No work order matches these filters.</p>
              <button type="button" onClick={() => update({ ...defaultListState(session.role), tab: 'all' })}>
                Clear filters
              </button>
            </>
          ) : (
            <p>There are no work orders on this laptop yet. They arrive with the first sync; a new one can be made with “New work order”.</p>
          )}
        </div>
      ) : (
        <table className="data-table work-order-table" data-testid="work-order-list">
          <thead>
            <tr>
              <th>Number</th>
              <th>Title</th>
              <th>Status</th>
              <th>Priority</th>
              <th>Site</th>
              {dispatching && !myDay && <th>Assigned to</th>}
              <th>Due</th>
              <th>Tasks</th>
              <th>Sync</th>
            </tr>
          </thead>
          <tbody>{body}</tbody>
        </table>
      )}
      {!myDay && list.data && list.data.total > list.data.items.length && (
        <button type="button" onClick={() => setLimit((n) => Math.min(500, n + pageSize))} disabled={limit >= 500}>
          Show more
        </button>
      )}
    </section>
  );
}
