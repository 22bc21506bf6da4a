import { useState } from 'react';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { ErrorNote } from '../app/ErrorNote';
import { plural } from '../app/format';
import { useTheme, type Theme } from '../app/theme';

function download(fileName: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

export function SettingsView() {
  const settings = useIpc('settings.get', {});
  const reference = useIpc('workOrders.reference', {});
  const update = useIpcMutation('settings.update');
  const forget = useIpcMutation('conflicts.forget');
  const diagnostics = useIpcMutation('diagnostics.export');
  const clearCache = useIpcMutation('sync.clearCache');
  const [confirmClear, setConfirmClear] = useState(false);
  const [interval, setIntervalText] = useState<string | null>(null);
  const [theme, setTheme] = useTheme();
  if (!settings.data) return <ErrorNote error={settings.error} />;
  const { settings: s, policy } = settings.data;
  const managed = new Set(policy.managed);
  const byIt = (field: (typeof policy.managed)[number]) => (managed.has(field) ? <span className="managed">Managed by IT</span> : null);
  const keepSites = new Set(s.keepOffline.sites);
  return (
    <section aria-labelledby="settings-title">
      <div className="view-header">
        <h1 id="settings-title">Settings</h1>
      </div>
      <ErrorNote error={update.error ?? forget.error ?? diagnostics.error ?? clearCache.error} />
      {policy.error && (
        <p className="warning" role="alert">
          {policy.error}
        </p>
      )}
      {policy.managed.length > 0 && <p className="muted">Some settings are managed by IT through {policy.source}.</p>}
      <div className="card form-grid">
        <label className="span-2">
          <span>Server {byIt('serverUrl')}</span>
          <input value={s.serverUrl ?? ''} readOnly aria-describedby="server-help" />
          <span id="server-help" className="muted small">
            The data on this device belongs to this server; sign out to use another.
          </span>
        </label>
        <label>
          <span>Sync every (minutes) {byIt('syncIntervalMinutes')}</span>
          <input
            type="number"
            min={policy.syncIntervalRange.min}
            max={policy.syncIntervalRange.max}
            value={interval ?? String(s.syncIntervalMinutes)}
            onChange={(e) => setIntervalText(e.target.value)}
            onBlur={() => {
              const minutes = Number(interval);
              if (interval !== null && Number.isInteger(minutes)) update.mutate({ syncIntervalMinutes: minutes }, { onSettled: () => setIntervalText(null) });
            }}
          />
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={s.largeUploadsUnmeteredOnly}
            disabled={managed.has('largeUploadsUnmeteredOnly')}
            onChange={(e) => update.mutate({ largeUploadsUnmeteredOnly: e.target.checked })}
          />
          <span>Large uploads only on an unmetered network {byIt('largeUploadsUnmeteredOnly')}</span>
        </label>
        <label>
          Theme
          <select value={theme} onChange={(e) => setTheme(e.target.value === 'dark' ? 'dark' : e.target.value === 'light' ? 'light' : ('system' satisfies Theme))}>
            <option value="system">Like the system</option>
            <option value="light">Light (sunlight)</option>
            <option value="dark">Dark</option>
          </select>
        </label>
      </div>

      <h2>Keep offline</h2>
      <p className="muted">With no site ticked and no work order pinned (“Keep offline” on its page), everything in your scope stays on this device. {s.keepOffline.workOrders.length > 0 ? `${plural(s.keepOffline.workOrders.length, 'work order')} pinned.` : ''}</p>
      <div className="card check-list">
        {reference.data?.sites.map((site) => (
          <label key={site.id} className="check">
            <input
              type="checkbox"
              checked={keepSites.has(site.id)}
              onChange={(e) => {
                const sites = e.target.checked ? [...keepSites, site.id] : [...keepSites].filter((id) => id !== site.id);
                update.mutate({ keepOffline: { ...s.keepOffline, sites } });
              }}
            />
            <span>{site.name}</span>
          </label>
        ))}
      </div>

      <h2>Remembered conflict choices</h2>
      {Object.keys(s.rememberedChoices).length === 0 ? (
        <p className="muted">None: every conflict is put in front of you.</p>
      ) : (
        <ul className="plain-list">
          {Object.entries(s.rememberedChoices).map(([field, choice]) => (
            <li key={field}>
              {field}: always {choice === 'local' ? 'mine' : 'the server’s'}{' '}
              <button type="button" onClick={() => forget.mutate({ field })}>
                Forget
              </button>
            </li>
          ))}
        </ul>
      )}

      <h2>Cached data</h2>
      <p className="muted">
        Closed and cancelled work orders leave this device 90 days after their last change, with their photos and documents (unless pinned). Clearing the cache removes
        everything downloaded now; a full sync fetches it again.
      </p>
      <button type="button" onClick={() => setConfirmClear(true)} disabled={clearCache.isPending}>
        Clear cached data
      </button>
      {clearCache.data && (
        <p className="muted" role="status">
          Cleared {clearCache.data.removed} record(s){clearCache.data.kept > 0 ? `; ${clearCache.data.kept} with unsynced changes kept` : ''}. Downloading again.
        </p>
      )}
      {confirmClear && (
        <ConfirmDialog
          title="Clear cached data?"
          confirmLabel="Clear and sync again"
          busy={clearCache.isPending}
          onCancel={() => setConfirmClear(false)}
          onConfirm={() => clearCache.mutate({}, { onSettled: () => setConfirmClear(false) })}
        >
          <p>Work orders, assets, parts and attachment copies downloaded to this device are removed, then downloaded again. Until that sync finishes, they are not available offline.</p>
          <p>Changes not yet synced, and photos not yet uploaded, are kept.</p>
        </ConfirmDialog>
      )}

      <h2>Diagnostics</h2>
      <p className="muted">Versions, sync metrics, the queue’s shape and the log, for IT. No password, key or work-order content.</p>
      <button type="button" onClick={() => diagnostics.mutate({}, { onSuccess: (d) => download(d.fileName, d.content) })} disabled={diagnostics.isPending}>
        Export diagnostics
      </button>
      {diagnostics.data && <p className="muted">Also saved to {diagnostics.data.savedTo}</p>}
      <h2>Updates</h2>
      <p className="muted">
        {policy.updates.enabled ? `Updates on, channel ${policy.updates.channel}${policy.updates.feedUrl ? ` from ${policy.updates.feedUrl}` : ''}.` : 'Updates are turned off by IT.'}
      </p>
      <p className="muted small">Device id: {s.deviceId}</p>
    </section>
  );
}
