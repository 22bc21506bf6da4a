import { useState } from 'react';
import type { Measurement } from '../../src-shared/domain/entities';
import { isMeasurementUnit, measurementProblem, measurementUnits } from '../../src-shared/domain/measurement-units';
import { useIpcMutation } from '../api/fieldline';
import { ErrorNote } from '../app/ErrorNote';
import { dateTime } from '../app/format';

const units = Object.entries(measurementUnits).map(([unit, { label }]) => ({ unit, label }));

/** The readings of a visit: recorded with a unit chosen from the list and checked against its range; corrected or removed while the work is open. */
export function MeasurementsPanel({ workOrderId, measurements, open }: { workOrderId: string; measurements: readonly Measurement[]; open: boolean }) {
  const record = useIpcMutation('workOrders.recordMeasurement');
  const correct = useIpcMutation('workOrders.updateMeasurement');
  const remove = useIpcMutation('workOrders.removeMeasurement');
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [unit, setUnit] = useState('');
  const [editing, setEditing] = useState<{ id: string; value: string; unit: string } | null>(null);
  const problem = value !== '' && unit !== '' ? measurementProblem(Number(value), unit) : null;
  const editProblem = editing ? measurementProblem(Number(editing.value), editing.unit) : null;
  return (
    <section className="card" aria-labelledby="measure-title">
      <h2 id="measure-title">Measurements</h2>
      <ul className="plain-list">
        {measurements.map((m) =>
          editing?.id === m.id ? (
            <li key={m.id}>
              <form
                className="inline-form"
                aria-label={`Correct ${m.name}`}
                onSubmit={(e) => {
                  e.preventDefault();
                  correct.mutate({ workOrderId, measurementId: m.id, value: Number(editing.value), unit: editing.unit }, { onSuccess: () => setEditing(null) });
                }}
              >
                <strong>{m.name}</strong>
                <label>
                  Value
                  <input type="number" step="any" required value={editing.value} onChange={(e) => setEditing({ ...editing, value: e.target.value })} aria-invalid={editProblem !== null} />
                </label>
                <UnitSelect value={editing.unit} onChange={(u) => setEditing({ ...editing, unit: u })} />
                <button type="submit" className="primary" disabled={editProblem !== null || correct.isPending}>
                  Save correction
                </button>
                <button type="button" onClick={() => setEditing(null)}>
                  Cancel
                </button>
                {editProblem && <p className="error">{editProblem}</p>}
              </form>
            </li>
          ) : (
            <li key={m.id}>
              {m.name}: <strong>{m.value}</strong> {m.unit} <span className="muted">({dateTime(m.recordedAt)})</span>
              {open && (
                <>
                  <button type="button" onClick={() => setEditing({ id: m.id, value: String(m.value), unit: m.unit })}>
                    Correct
                  </button>
                  <button type="button" className="danger" onClick={() => remove.mutate({ workOrderId, measurementId: m.id })}>
                    Remove
                  </button>
                </>
              )}
            </li>
          ),
        )}
        {measurements.length === 0 && <li className="muted">None recorded.</li>}
      </ul>
      {open && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            record.mutate({ workOrderId, name, value: Number(value), unit }, { onSuccess: () => (setName(''), setValue(''), setUnit('')) });
          }}
        >
          <label className="grow">
            Measurement
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} placeholder="e.g. Current L1" />
          </label>
          <label>
            Value
            <input type="number" step="any" value={value} onChange={(e) => setValue(e.target.value)} required aria-invalid={problem !== null} />
          </label>
          <UnitSelect value={unit} onChange={setUnit} />
          <button type="submit" disabled={record.isPending || problem !== null || unit === ''}>
            Record
          </button>
          {problem && <p className="error">{problem}</p>}
        </form>
      )}
      <ErrorNote error={record.error ?? correct.error ?? remove.error} />
    </section>
  );
}

function UnitSelect({ value, onChange }: { value: string; onChange: (unit: string) => void }) {
  return (
    <label>
      Unit
      <select aria-label="Unit" value={value} required onChange={(e) => onChange(isMeasurementUnit(e.target.value) ? e.target.value : '')}>
        <option value="">Choose…</option>
        {units.map((u) => (
          <option key={u.unit} value={u.unit}>
            {u.unit} — {u.label}
          </option>
        ))}
      </select>
    </label>
  );
}
