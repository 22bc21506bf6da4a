import { jsonEqual, type Json } from '../domain/json';

export type FieldValues = { [field: string]: Json };

/**
 * A new local edit folded into an op that has not been sent (docs/architecture.md, The sync model): the newest value of
 * each field wins. A field that holds what the server holds drops out of an update: undoing a
 * change, or setting a field to the value it has, sends nothing.
 *
 * `server` is the server's value of each field as this device last received it, not the base the
 * change was made from: the two differ while a manual conflict waits for a person (rebase keeps the
 * old base), and a value equal to that old base is then a change against the server, to be sent.
 * The caller leaves out fields that an op in flight is changing on the server.
 */
export function coalesceValues(queued: FieldValues, incoming: FieldValues, server: FieldValues, kind: 'create' | 'update'): FieldValues {
  const merged: FieldValues = { ...queued, ...incoming };
  if (kind === 'create') return merged;
  for (const [field, value] of Object.entries(merged)) {
    if (field in server && jsonEqual(server[field], value)) delete merged[field];
  }
  return merged;
}
