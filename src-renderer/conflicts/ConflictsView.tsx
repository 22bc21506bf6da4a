import { useState } from 'react';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import type { Json } from '../../src-shared/domain/json';
import type { SessionInfo } from '../../src-shared/settings/settings-schema';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';
import { ConflictCompare } from './ConflictCompare';
import { conflictKindText, settledFields } from './conflict-words';
import { SiteConflictTriage } from './SiteConflictTriage';


/** Who settled a conflict, in words: a person by name where the server said who, or the policy. */
function settledBy(c: { status: string; resolvedAt: string | null; resolution: Record<string, Json> | null }): string {
  if (c.status === 'auto-resolved') return 'by policy';
  const who = typeof c.resolution?.decidedBy === 'string' ? c.resolution.decidedBy : 'you';
  return `by ${who} ${dateTime(c.resolvedAt)}`;
}

function DeviceConflicts() {
  const open = useIpc('conflicts.list', { status: 'open' });
  const resolve = useIpcMutation('conflicts.resolve');
  return (
    <>
      <ErrorNote error={open.error ?? resolve.error} />
      {open.data?.length === 0 && <p className="muted">No open conflicts on this device.</p>}
      {open.data?.map((c) => (
        <section key={c.id} className="card conflict" data-conflict={c.id} aria-label={`Conflict on ${c.record}`}>
          <h2>
            <a href={`#/work-orders/${c.recordId}`}>{c.record}</a> — {conflictKindText(c.kind)}
          </h2>
          <p className="muted">Found {dateTime(c.createdAt)} while {c.origin === 'push' ? 'sending your changes' : 'receiving the server’s'}.</p>
          {c.kind === 'update-update' ? (
            <ConflictCompare
              fields={c.fields}
              localLabel="Yours"
              canRemember
              busy={resolve.isPending}
              onDecide={(decision, remember) => resolve.mutate({ conflictId: c.id, decision, remember })}
            />
          ) : (
            <div className="actions">
              <button type="button" onClick={() => resolve.mutate({ conflictId: c.id, decision: { choice: 'local' } })}>
                {c.kind === 'update-delete' ? 'Keep my work as a new work order' : 'Delete it anyway'}
              </button>
              <button type="button" onClick={() => resolve.mutate({ conflictId: c.id, decision: { choice: 'server' } })}>
                {c.kind === 'update-delete' ? 'Accept the delete' : 'Keep the server’s version'}
              </button>
            </div>
          )}
        </section>
      ))}
    </>
  );
}

function ConflictHistory() {
  const resolved = useIpc('conflicts.list', { status: 'resolved' });
  const auto = useIpc('conflicts.list', { status: 'auto-resolved' });
  const all = [...(resolved.data ?? []), ...(auto.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <>
      <ErrorNote error={resolved.error ?? auto.error} />
      {all.length === 0 && <p className="muted">No conflicts settled yet.</p>}
      <table className="data-table">
        <tbody>
          {all.map((c) => (
            <tr key={c.id}>
              <td>{dateTime(c.createdAt)}</td>
              <td>{c.record}</td>
              <td>{conflictKindText(c.kind)}</td>
              <td>{settledFields(c.fields)}</td>
              <td>{settledBy(c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ConflictsView({ session }: { session: SessionInfo }) {
  const tabs = overseesSites(session.role) ? (['device', 'history', 'sites'] as const) : (['device', 'history'] as const);
  const [tab, setTab] = useState<(typeof tabs)[number]>('device');
  const labels = { device: 'On this device', history: 'History', sites: 'My sites (server log)' };
  return (
    <section aria-labelledby="conflicts-title">
      <div className="view-header">
        <h1 id="conflicts-title">Conflicts</h1>
      </div>
      <div className="tabs" role="tablist">
        {tabs.map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)}>
            {labels[t]}
          </button>
        ))}
      </div>
      {tab === 'device' && <DeviceConflicts />}
      {tab === 'history' && <ConflictHistory />}
      {tab === 'sites' && <SiteConflictTriage />}
    </section>
  );
}
