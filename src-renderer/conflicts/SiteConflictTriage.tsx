import { useState } from 'react';
import type { Json } from '../../src-shared/domain/json';
import type { SiteConflict } from '../../src-shared/ipc/ipc-views';
import { api, useIpc, useIpcMutation } from '../api/fieldline';
import { ConfirmDialog } from '../app/ConfirmDialog';
import { ErrorNote } from '../app/ErrorNote';
import { RecordOptions } from '../app/SelectOptions';
import { dateTime } from '../app/format';
import { useNow } from '../app/useNow';
import { ConflictCompare } from './ConflictCompare';
import { conflictKindText, fieldLabel, settledFields } from './conflict-words';
import { useQueryClient } from '@tanstack/react-query';

const day = 24 * 3600 * 1000;
const ages = [
  { key: 'today', label: 'Today', test: (ms: number) => ms < day },
  { key: 'week', label: '1–7 days', test: (ms: number) => ms >= day && ms < 7 * day },
  { key: 'older', label: 'Older', test: (ms: number) => ms >= 7 * day },
] as const;
type AgeKey = (typeof ages)[number]['key'];

/** How many of the conflicts have each value of a facet: the counts a triage starts from. */
function countBy<K extends string>(conflicts: readonly SiteConflict[], keysOf: (c: SiteConflict) => readonly K[]): Map<K, number> {
  const counts = new Map<K, number>();
  for (const c of conflicts) for (const key of new Set(keysOf(c))) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/**
 * The supervisor's triage of the server's conflict log for their sites: counts by site, technician,
 * field and age to start from; filters; one line per conflict, opened side by side on demand; and
 * many decided at once, after a confirmation that says what will happen.
 */
export function SiteConflictTriage() {
  const [status, setStatus] = useState<'open' | 'resolved'>('open');
  const [siteId, setSiteId] = useState('');
  const [technician, setTechnician] = useState('');
  const [field, setField] = useState('');
  const [age, setAge] = useState<AgeKey | ''>('');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState<string | null>(null);
  const [bulk, setBulk] = useState<'local' | 'server' | null>(null);
  const [outcome, setOutcome] = useState<{ decided: number; failed: { record: string; message: string }[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const now = useNow(60_000);
  const client = useQueryClient();
  const reference = useIpc('workOrders.reference', {});
  const log = useIpc('serverConflicts.list', { status, ...(siteId ? { siteId } : {}) });
  const resolve = useIpcMutation('serverConflicts.resolve');
  const sites = new Map((reference.data?.sites ?? []).map((s) => [s.id, s.name]));
  const all = log.data ?? [];
  const ageOf = (c: SiteConflict): AgeKey => ages.find((a) => a.test(now - Date.parse(c.createdAt)))?.key ?? 'older';
  const shown = all.filter((c) => (!technician || c.user === technician) && (!field || c.fields.some((f) => f.field === field)) && (!age || ageOf(c) === age));
  const chosen = shown.filter((c) => selected.has(c.id) && c.status === 'open');
  const bySite = countBy(all, (c) => [c.siteId ?? '']);
  const byTechnician = countBy(all, (c) => [c.user]);
  const byField = countBy(all, (c) => c.fields.map((f) => f.field));
  const byAge = countBy(all, (c) => [ageOf(c)]);

  const toggle = (id: string, on: boolean) => setSelected((current) => (on ? new Set([...current, id]) : new Set([...current].filter((x) => x !== id))));
  async function decideAll(choice: 'local' | 'server') {
    setBusy(true);
    const failed: { record: string; message: string }[] = [];
    let decided = 0;
    for (const c of chosen) {
      try {
        await api().invoke('serverConflicts.resolve', { conflictId: c.id, decision: { choice } });
        decided += 1;
      } catch (error) {
        failed.push({ record: c.record, message: error instanceof Error ? error.message : String(error) });
      }
    }
    setBusy(false);
    setBulk(null);
    setSelected(new Set());
    setOutcome({ decided, failed });
    await client.invalidateQueries();
  }

  return (
    <>
      <div className="filters">
        <label>
          Show
          <select value={status} onChange={(e) => (setStatus(e.target.value === 'resolved' ? 'resolved' : 'open'), setSelected(new Set()))}>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </select>
        </label>
        <label>
          Site
          <select value={siteId} onChange={(e) => setSiteId(e.target.value)}>
            <option value="">All my sites</option>
            <RecordOptions items={reference.data?.sites ?? []} label={(site) => site.name} />
          </select>
        </label>
        <label>
          Technician
          <select value={technician} onChange={(e) => setTechnician(e.target.value)}>
            <option value="">Anyone</option>
            {[...byTechnician].map(([name, n]) => (
              <option key={name} value={name}>
                {name} ({n})
              </option>
            ))}
          </select>
        </label>
        <label>
          Field
          <select value={field} onChange={(e) => setField(e.target.value)}>
            <option value="">Any</option>
            {[...byField].map(([name, n]) => (
              <option key={name} value={name}>
                {fieldLabel(name)} ({n})
              </option>
            ))}
          </select>
        </label>
        <label>
          Age
          <select value={age} onChange={(e) => setAge(ages.find((a) => a.key === e.target.value)?.key ?? '')}>
            <option value="">Any</option>
            {ages.map((a) => (
              <option key={a.key} value={a.key}>
                {a.label} ({byAge.get(a.key) ?? 0})
              </option>
            ))}
          </select>
        </label>
      </div>
      {all.length > 0 && (
        <p className="muted" data-testid="conflict-counts">
          {all.length} {status} conflict{all.length === 1 ? '' : 's'}:{' '}
          {[...bySite].map(([id, n]) => `${sites.get(id) ?? 'no site'} ${n}`).join(', ')}
          {shown.length !== all.length ? ` — ${shown.length} shown` : ''}
        </p>
      )}
      <ErrorNote error={log.error ?? resolve.error} />
      {outcome && (
        <p className={outcome.failed.length > 0 ? 'warning' : 'notice-ok'} role="status" data-testid="bulk-outcome">
          Decided {outcome.decided} conflict{outcome.decided === 1 ? '' : 's'}.
          {outcome.failed.map((f) => ` ${f.record}: ${f.message}.`).join('')}
        </p>
      )}
      {status === 'open' && shown.length > 0 && (
        <div className="actions bulk-bar">
          <label className="check">
            <input
              type="checkbox"
              checked={shown.length > 0 && shown.every((c) => selected.has(c.id))}
              onChange={(e) => setSelected(e.target.checked ? new Set(shown.map((c) => c.id)) : new Set())}
            />
            <span>Select all shown</span>
          </label>
          <button type="button" disabled={chosen.length === 0} onClick={() => setBulk('local')}>
            Keep the technicians’ values ({chosen.length})
          </button>
          <button type="button" disabled={chosen.length === 0} onClick={() => setBulk('server')}>
            Keep the server’s values ({chosen.length})
          </button>
        </div>
      )}
      {shown.length === 0 && log.data && <p className="muted">No {status} conflicts {technician || field || age ? 'match these filters' : siteId ? 'at this site' : 'at your sites'}.</p>}
      <ul className="triage-list">
        {shown.map((c) => (
          <li key={c.id} className="card conflict" data-server-conflict={c.id} aria-label={`Server conflict on ${c.record}`}>
            <div className="triage-line">
              {c.status === 'open' && (
                <input type="checkbox" aria-label={`Select ${c.record}`} checked={selected.has(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />
              )}
              <h2>
                {c.entity === 'workOrder' ? <a href={`#/work-orders/${c.recordId}`}>{c.record}</a> : c.record} — {conflictKindText(c.kind)}
              </h2>
              <span className="muted">
                {c.fields.map((f) => fieldLabel(f.field)).join(', ')} · by {c.user} ({c.deviceName ?? `device ${c.deviceId.slice(0, 8)}`}) · {dateTime(c.createdAt)}
                {c.resolvedAt ? ` · decided by ${c.resolvedByName ?? 'a supervisor'} ${dateTime(c.resolvedAt)}` : ''}
              </span>
              {c.status === 'open' && (
                <button type="button" aria-expanded={expanded === c.id} onClick={() => setExpanded(expanded === c.id ? null : c.id)}>
                  {expanded === c.id ? 'Close' : 'Compare'}
                </button>
              )}
            </div>
            {c.refusal && (
              <p className="refusal" data-testid="refusal-reason">
                The server refused this {c.refusal.opKind === 'create' ? 'new record' : c.refusal.opKind === 'delete' ? 'delete' : 'change'}: {c.refusal.error.message}.
              </p>
            )}
            {c.status !== 'open' && <p>{settledFields(c.fields)}</p>}
            {c.status === 'open' && expanded === c.id && (
              <>
                {c.refusal && (
                  <div className="actions">
                    <button type="button" disabled={resolve.isPending} onClick={() => resolve.mutate({ conflictId: c.id, decision: { choice: 'local' } })}>
                      Apply the technician’s change
                    </button>
                    <button type="button" disabled={resolve.isPending} onClick={() => resolve.mutate({ conflictId: c.id, decision: { choice: 'server' } })}>
                      Dismiss it
                    </button>
                  </div>
                )}
                {c.refusal?.opKind !== 'delete' && (
                  <ConflictCompare
                    fields={c.fields.map((f) => ({ ...f, local: f.local satisfies Json }))}
                    localLabel={`${c.user}, ${dateTime(c.createdAt)}`}
                    serverLabel={c.serverWriter ? `On the server: ${c.serverWriter.name ?? 'Fieldline'}, ${dateTime(c.serverWriter.at)}` : 'On the server now'}
                    canRemember={false}
                    busy={resolve.isPending}
                    onDecide={(decision) => resolve.mutate({ conflictId: c.id, decision })}
                  />
                )}
              </>
            )}
          </li>
        ))}
      </ul>
      {bulk && (
        <ConfirmDialog
          title={`Decide ${chosen.length} conflict${chosen.length === 1 ? '' : 's'}?`}
          confirmLabel={bulk === 'local' ? 'Keep the technicians’ values' : 'Keep the server’s values'}
          busy={busy}
          onCancel={() => setBulk(null)}
          onConfirm={() => void decideAll(bulk)}
        >
          <p>
            {bulk === 'local'
              ? 'Each record takes the values the technician sent, for every field in conflict.'
              : 'Each record keeps the values it has on the server; what the technicians sent is set aside.'}{' '}
            Each technician’s laptop learns the decision at its next sync.
          </p>
          <ul>
            {chosen.map((c) => (
              <li key={c.id}>
                {c.record}: {c.fields.map((f) => fieldLabel(f.field)).join(', ')} ({c.user})
              </li>
            ))}
          </ul>
        </ConfirmDialog>
      )}
    </>
  );
}
