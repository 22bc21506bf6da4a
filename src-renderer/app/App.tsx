import { useState } from 'react';
import type { SessionInfo } from '../../src-shared/settings/settings-schema';
import { useDataChangedInvalidation, useIpc, useIpcMutation } from '../api/fieldline';
import { ConflictsView } from '../conflicts/ConflictsView';
import { SignIn } from '../session/SignIn';
import { SignOutDialog } from '../session/SignOutDialog';
import { SettingsView } from '../settings/SettingsView';
import { QueueView } from '../sync/QueueView';
import { StatusBadge, useSyncStatus } from '../sync/StatusBadge';
import { SyncHealthView } from '../sync/SyncHealthView';
import { useNetworkSignals } from '../sync/useNetworkSignals';
import { NewWorkOrder } from '../work-orders/NewWorkOrder';
import { WorkOrderDetail } from '../work-orders/WorkOrderDetail';
import { WorkOrderList } from '../work-orders/WorkOrderList';
import { ServiceReport } from '../work-orders/ServiceReport';
import { RunningTimers } from '../work-orders/RunningTimers';
import { hrefOf, useRoute, type Route } from './routing';
import { useTheme } from './theme';

function Notices() {
  const notices = useIpc('sync.notices', {});
  const dismiss = useIpcMutation('sync.dismissNotice');
  if (!notices.data || notices.data.length === 0) return null;
  return (
    <ul className="notices" aria-label="Notices">
      {notices.data.map((n) => (
        <li key={n.id} className="warning">
          {n.message}{' '}
          <button type="button" onClick={() => dismiss.mutate({ id: n.id })}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}

function Workspace({ session }: { session: SessionInfo }) {
  const route = useRoute();
  const status = useSyncStatus();
  const [signingOut, setSigningOut] = useState(false);
  const nav: { route: Route; label: string; count?: number }[] = [
    { route: { view: 'list' }, label: 'Work orders' },
    { route: { view: 'queue' }, label: 'Queue', count: status?.queued ?? 0 },
    { route: { view: 'conflicts' }, label: 'Conflicts', count: status?.conflicts ?? 0 },
    { route: { view: 'health' }, label: 'Sync health' },
    { route: { view: 'settings' }, label: 'Settings' },
  ];
  const current = route.view === 'detail' || route.view === 'new' || route.view === 'report' ? 'list' : route.view;
  return (
    <div className="app">
      <header className="app-header">
        <a className="brand" href="#/work-orders">
          Fieldline
        </a>
        <nav aria-label="Main">
          {nav.map((item) => (
            <a key={item.label} href={hrefOf(item.route)} aria-current={item.route.view === current ? 'page' : undefined}>
              {item.label}
              {item.count ? <span className="count">{item.count}</span> : null}
            </a>
          ))}
        </nav>
        <StatusBadge />
        <div className="user">
          <span className="user-name">
            {session.displayName} <span className="muted">{session.role}</span>
          </span>
          <button type="button" onClick={() => setSigningOut(true)}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">
        <Notices />
        <RunningTimers except={route.view === 'detail' ? route.id : null} />
        {route.view === 'list' && <WorkOrderList session={session} />}
        {route.view === 'detail' && <WorkOrderDetail id={route.id} session={session} />}
        {route.view === 'report' && <ServiceReport id={route.id} />}
        {route.view === 'new' && <NewWorkOrder session={session} />}
        {route.view === 'queue' && <QueueView />}
        {route.view === 'conflicts' && <ConflictsView session={session} />}
        {route.view === 'health' && <SyncHealthView />}
        {route.view === 'settings' && <SettingsView />}
      </main>
      {signingOut && <SignOutDialog session={session} onClose={() => setSigningOut(false)} />}
    </div>
  );
}

export function App() {
  useTheme();
  useDataChangedInvalidation();
  const session = useIpc('session.get', {});
  useNetworkSignals(Boolean(session.data?.session));
  if (session.error) return <p className="error">{String(session.error.message)}</p>;
  if (!session.data) return <p className="loading">Opening Fieldline…</p>;
  const policyError = session.data.policyError ? (
    <p className="warning policy-error" role="alert">
      {session.data.policyError}
    </p>
  ) : null;
  if (!session.data.session)
    return (
      <>
        {policyError}
        <SignIn serverUrl={session.data.serverUrl} serverLocked={session.data.serverLocked} />
      </>
    );
  return (
    <>
      {policyError}
      <Workspace session={session.data.session} />
    </>
  );
}
