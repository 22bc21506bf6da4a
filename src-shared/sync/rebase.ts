import { jsonEqual } from '../domain/json';
import type { ConflictPolicy } from '../domain/conflict-policies';
import { bothChanged, resolveFieldConflict } from '../merge/field-resolution';
import type { FieldConflict, JsonRecord } from '../merge/merge-patch';
import type { FieldValues } from './coalesce';

export interface RebaseInput {
  /** The record as the device shows it (server data + pending local values). */
  local: JsonRecord;
  /** The record as the server now has it. */
  server: JsonRecord;
  /** Pending local values by field (the union of the record's unsent ops). */
  pending: FieldValues;
  /** The server-acknowledged value each pending field was edited from. */
  bases: FieldValues;
  conflictPolicyOf: (field: string) => ConflictPolicy;
  localTime: string;
  serverTime: string;
}

export interface RebaseResult {
  record: JsonRecord;
  /** Fields still to send, with their values. */
  pending: FieldValues;
  /** New bases: the server's value, for every field still pending. */
  bases: FieldValues;
  conflicts: FieldConflict[];
}

/**
 * docs/architecture.md, Conflicts: a pulled record never overwrites a pending local change. Fields without a pending
 * change take the server's value. A pending field whose server value is still its base stays as
 * it is. Otherwise the field's policy decides: keep the local value (base ← server, so the push
 * will not conflict), take the server's (the local change is dropped and logged), merge both, or
 * leave it to a person (manual: the local value stays pending, the conflict is raised).
 */
export function rebase(input: RebaseInput): RebaseResult {
  const record: JsonRecord = { ...input.server };
  const pending: FieldValues = {};
  const bases: FieldValues = {};
  const conflicts: FieldConflict[] = [];
  for (const [field, local] of Object.entries(input.pending)) {
    const base = input.bases[field] ?? null;
    const server = input.server[field] ?? null;
    if (!bothChanged({ base, local, server })) {
      if (!jsonEqual(server, local)) {
        record[field] = local;
        pending[field] = local;
        bases[field] = base;
      }
      continue;
    }
    const policy = input.conflictPolicyOf(field);
    const resolution = resolveFieldConflict({ policy, base, local, server, localTime: input.localTime, serverTime: input.serverTime });
    conflicts.push({ field, base, local, server, policy, ...resolution });
    if (resolution.outcome === 'server') continue;
    const value = resolution.outcome === 'manual' ? local : resolution.value;
    record[field] = value;
    if (!jsonEqual(value, server)) {
      pending[field] = value;
      // Manual keeps the old base until a person decides; the others are now based on the server.
      bases[field] = resolution.outcome === 'manual' ? base : server;
    }
  }
  return { record, pending, bases, conflicts };
}
