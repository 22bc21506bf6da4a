import { useState } from 'react';
import type { Json } from '../../src-shared/domain/json';
import { jsonSchema } from '../../src-shared/domain/json';
import type { FieldConflict } from '../../src-shared/merge/merge-patch';
import type { FieldDecision, ResolveConflictRequest } from '../../src-shared/protocol/conflicts';
import { showValue } from '../app/format';
import { policyText } from './conflict-words';
import { fieldName } from '../../src-shared/domain/field-names';

export type ComparedField = Pick<FieldConflict, 'field' | 'base' | 'local' | 'server' | 'policy' | 'outcome'>;

type Choice = 'local' | 'server' | 'value';

const same = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b);

/** Text fields are edited as text; lists and numbers as JSON. */
function parseEdited(text: string, like: Json): { ok: true; value: Json } | { ok: false } {
  if (typeof like === 'string' || like === null) return { ok: true, value: text };
  try {
    const value = jsonSchema.safeParse(JSON.parse(text));
    return value.success ? { ok: true, value: value.data } : { ok: false };
  } catch {
    return { ok: false };
  }
}

/**
 * Base, yours and the server's value side by side, field by field, the differences marked; a
 * choice per field or an edited value, or one side for the whole record.
 */
export function ConflictCompare(props: {
  fields: ComparedField[];
  localLabel: string;
  /** The server's side: who wrote it and when, where known. */
  serverLabel?: string;
  busy: boolean;
  canRemember: boolean;
  onDecide: (decision: ResolveConflictRequest, remember: Record<string, 'local' | 'server'>) => void;
}) {
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [edited, setEdited] = useState<Record<string, string>>({});
  const [remember, setRemember] = useState<Record<string, boolean>>({});
  const undecided = props.fields.filter((f) => choices[f.field] === undefined);
  const invalid = props.fields.filter((f) => choices[f.field] === 'value' && !parseEdited(edited[f.field] ?? '', f.local).ok);

  const decide = () => {
    const fields: Record<string, FieldDecision> = {};
    const remembered: Record<string, 'local' | 'server'> = {};
    for (const f of props.fields) {
      const choice = choices[f.field];
      if (choice === 'local' || choice === 'server') {
        fields[f.field] = { choice };
        if (remember[f.field]) remembered[f.field] = choice;
      } else if (choice === 'value') {
        const parsed = parseEdited(edited[f.field] ?? '', f.local);
        if (parsed.ok) fields[f.field] = { choice: 'value', value: parsed.value };
      }
    }
    props.onDecide({ fields }, remembered);
  };

  return (
    <div className="compare">
      <table className="compare-table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Base (before both edits)</th>
            <th scope="col">{props.localLabel}</th>
            <th scope="col">{props.serverLabel ?? 'Server'}</th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {props.fields.map((f) => {
            const choice = choices[f.field];
            return (
              <tr key={f.field} data-field={f.field}>
                <th scope="row">
                  {fieldName(f.field)}
                  <span className="muted small">{policyText[f.policy]}</span>
                </th>
                <td>
                  <pre>{showValue(f.base)}</pre>
                </td>
                <td className={same(f.local, f.base) ? '' : 'changed'}>
                  <pre>{showValue(f.local)}</pre>
                </td>
                <td className={same(f.server, f.base) ? '' : 'changed'}>
                  <pre>{showValue(f.server)}</pre>
                </td>
                <td>
                  <fieldset className="choice">
                    <legend className="visually-hidden">Decision for {fieldName(f.field)}</legend>
                    <label className="check">
                      <input type="radio" name={`choice-${f.field}`} checked={choice === 'local'} onChange={() => setChoices({ ...choices, [f.field]: 'local' })} />
                      <span>{props.localLabel}</span>
                    </label>
                    <label className="check">
                      <input type="radio" name={`choice-${f.field}`} checked={choice === 'server'} onChange={() => setChoices({ ...choices, [f.field]: 'server' })} />
                      <span>{props.serverLabel ?? 'Server'}</span>
                    </label>
                    <label className="check">
                      <input
                        type="radio"
                        name={`choice-${f.field}`}
                        checked={choice === 'value'}
                        onChange={() => {
                          setChoices({ ...choices, [f.field]: 'value' });
                          if (edited[f.field] === undefined) setEdited({ ...edited, [f.field]: showValue(f.local === null ? '' : f.local) });
                        }}
                      />
                      <span>Edit</span>
                    </label>
                    {choice === 'value' && (
                      <textarea aria-label={`Merged value for ${f.field}`} rows={3} value={edited[f.field] ?? ''} onChange={(e) => setEdited({ ...edited, [f.field]: e.target.value })} />
                    )}
                    {props.canRemember && (choice === 'local' || choice === 'server') && (
                      <label className="check small">
                        <input type="checkbox" checked={remember[f.field] ?? false} onChange={(e) => setRemember({ ...remember, [f.field]: e.target.checked })} />
                        <span>Always choose this for {fieldName(f.field).toLowerCase()}</span>
                      </label>
                    )}
                  </fieldset>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {invalid.length > 0 && <p className="error">The edited value of {invalid.map((f) => f.field).join(', ')} is not valid JSON.</p>}
      <div className="actions">
        <button type="button" onClick={() => props.onDecide({ choice: 'local' }, {})} disabled={props.busy}>
          Keep {props.localLabel.toLowerCase()} (whole record)
        </button>
        <button type="button" onClick={() => props.onDecide({ choice: 'server' }, {})} disabled={props.busy}>
          Use server (whole record)
        </button>
        <button type="button" className="primary" onClick={decide} disabled={props.busy || undecided.length > 0 || invalid.length > 0}>
          Apply field choices
        </button>
      </div>
    </div>
  );
}
