import { jsonEqual, type Json } from '../domain/json';

export type FieldValues = { [field: string]: Json };

/**
 * A new local edit folded into an op that has not been sent (design.md §2): the newest value of
 * each field wins. A field set back to its server-acknowledged base drops out of an update, so
 * undoing a change sends nothing.
 */
export function coalesceValues(queued: FieldValues, incoming: FieldValues, bases: FieldValues, kind: 'create' | 'update'): FieldValues {
  const merged: FieldValues = { ...queued, ...incoming };
  if (kind === 'create') return merged;
  for (const [field, value] of Object.entries(merged)) {
    if (field in bases && jsonEqual(bases[field], value)) delete merged[field];
  }
  return merged;
}
