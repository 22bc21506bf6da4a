import { useState } from 'react';
import { useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';

/** Tags and categories of a work order: added and removed on site, sent after everything else. */
export function LabelsPanel({ workOrderId, tags, categories }: { workOrderId: string; tags: readonly string[]; categories: readonly string[] }) {
  const setLabels = useIpcMutation('workOrders.setLabels');
  return (
    <section className="card" aria-labelledby="labels-title">
      <h2 id="labels-title">Tags and categories</h2>
      <LabelList name="Tags" values={tags} onChange={(next) => setLabels.mutate({ workOrderId, tags: next })} />
      <LabelList name="Categories" values={categories} onChange={(next) => setLabels.mutate({ workOrderId, categories: next })} />
      <ErrorNote error={setLabels.error} />
    </section>
  );
}

function LabelList({ name, values, onChange }: { name: string; values: readonly string[]; onChange: (next: string[]) => void }) {
  const [adding, setAdding] = useState('');
  return (
    <div className="label-list" role="group" aria-label={name}>
      <strong>{name}:</strong>
      {values.length === 0 && <span className="muted">none</span>}
      {values.map((value) => (
        <span key={value} className="chip label-chip">
          {value}
          <button type="button" aria-label={`Remove ${value}`} onClick={() => onChange(values.filter((v) => v !== value))}>
            ×
          </button>
        </span>
      ))}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          const value = adding.trim();
          if (value && !values.includes(value)) onChange([...values, value]);
          setAdding('');
        }}
      >
        <label>
          <span className="visually-hidden">Add to {name.toLowerCase()}</span>
          <input value={adding} maxLength={64} onChange={(e) => setAdding(e.target.value)} placeholder={`Add to ${name.toLowerCase()}`} />
        </label>
        <button type="submit" disabled={adding.trim() === ''}>
          Add
        </button>
      </form>
    </div>
  );
}
