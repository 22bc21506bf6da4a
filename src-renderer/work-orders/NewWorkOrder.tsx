import { useState } from 'react';
import { workOrderPrioritySchema, workOrderTypeSchema, type WorkOrder } from '../../src-shared/domain/entities';
import type { SessionInfo } from '../../src-shared/settings/settings-schema';
import { useIpc, useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { EnumOptions, RecordOptions } from '../app/SelectOptions';
import { navigate } from '../app/routing';

/** A work order created on site, offline if need be; an emergency goes out first when a link appears. */
export function NewWorkOrder({ session }: { session: SessionInfo }) {
  const reference = useIpc('workOrders.reference', {});
  const create = useIpcMutation('workOrders.create');
  const sites = (reference.data?.sites ?? []).filter((s) => session.siteIds.includes(s.id));
  const [siteId, setSiteId] = useState('');
  const [assetId, setAssetId] = useState('');
  const [type, setType] = useState<WorkOrder['type']>('corrective');
  const [priority, setPriority] = useState<WorkOrder['priority']>('medium');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [tasks, setTasks] = useState('');
  const [draft, setDraft] = useState(false);
  const chosenSite = siteId || sites[0]?.id || '';
  const assets = (reference.data?.assets ?? []).filter((a) => a.siteId === chosenSite);
  return (
    <section aria-labelledby="new-title">
      <div className="view-header">
        <button type="button" onClick={() => navigate({ view: 'list' })}>
          ← Work orders
        </button>
        <h1 id="new-title">New work order</h1>
      </div>
      <form
        className="card form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(
            {
              siteId: chosenSite,
              assetId: assetId || null,
              type,
              priority,
              title,
              description,
              tasks: tasks.split('\n').map((t) => t.trim()).filter(Boolean),
              draft,
            },
            { onSuccess: (result) => navigate({ view: 'detail', id: result.id }) },
          );
        }}
      >
        <label>
          Site
          <select value={chosenSite} onChange={(e) => (setSiteId(e.target.value), setAssetId(''))} required>
            <RecordOptions items={sites} label={(s) => s.name} />
          </select>
        </label>
        <label>
          Asset
          <select value={assetId} onChange={(e) => setAssetId(e.target.value)}>
            <option value="">No asset</option>
            <RecordOptions items={assets} label={(a) => `${a.tag} — ${a.name}`} />
          </select>
        </label>
        <label>
          Type
          <select
            value={type}
            onChange={(e) => {
              const next = workOrderTypeSchema.parse(e.target.value);
              setType(next);
              if (next === 'emergency') setPriority('critical');
            }}
          >
            <EnumOptions values={workOrderTypeSchema.options} />
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority(workOrderPrioritySchema.parse(e.target.value))}>
            <EnumOptions values={workOrderPrioritySchema.options} />
          </select>
        </label>
        <label className="span-2">
          Title
          <input value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
        </label>
        <label className="span-2">
          Description
          <textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={20_000} />
        </label>
        <label className="span-2">
          Tasks, one per line
          <textarea rows={4} value={tasks} onChange={(e) => setTasks(e.target.value)} />
        </label>
        <label className="check span-2">
          <input type="checkbox" checked={draft} onChange={(e) => setDraft(e.target.checked)} />
          <span>Keep as a draft on this device</span>
        </label>
        <ErrorNote error={create.error} />
        <div className="actions span-2">
          <button type="submit" className="primary" disabled={create.isPending || !chosenSite}>
            {type === 'emergency' ? 'Create emergency work order' : 'Create work order'}
          </button>
        </div>
      </form>
    </section>
  );
}
