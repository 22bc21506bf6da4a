import { jsonEqual, type Json } from '../domain/json';
import type { ConflictPolicy } from '../domain/conflict-policies';
import { bothChanged, resolveFieldConflict, type FieldOutcome } from './field-resolution';

export type JsonRecord = { [field: string]: Json };

/** One changed field of an op: the value the device started from and the value it wants. */
export interface FieldChange {
  base: Json;
  value: Json;
}
export type Patch = { [field: string]: FieldChange };

export interface FieldConflict {
  field: string;
  base: Json;
  local: Json;
  server: Json;
  policy: ConflictPolicy;
  outcome: FieldOutcome;
  /** The value the field took. */
  value: Json;
}

export interface PatchMergeResult {
  merged: JsonRecord;
  /** Fields whose value differs from the server's record after the merge. */
  changedFields: string[];
  conflicts: FieldConflict[];
}

export interface PatchMergeInput {
  server: JsonRecord;
  patch: Patch;
  conflictPolicyOf: (field: string) => ConflictPolicy;
  localTime: string;
  serverTime: string;
}

/**
 * The per-field three-way merge (docs/architecture.md, Conflicts): a field whose server value still equals the op's
 * base takes the new value; a field already at the new value is left alone; any other field is a
 * conflict decided by its policy. Fields not in the patch keep the server's value.
 */
export function mergePatch({ server, patch, conflictPolicyOf, localTime, serverTime }: PatchMergeInput): PatchMergeResult {
  const merged: JsonRecord = { ...server };
  const changedFields: string[] = [];
  const conflicts: FieldConflict[] = [];
  for (const [field, change] of Object.entries(patch)) {
    const current = server[field] ?? null;
    let value: Json;
    if (!bothChanged({ base: change.base, local: change.value, server: current })) {
      value = change.value;
    } else {
      const policy = conflictPolicyOf(field);
      const resolution = resolveFieldConflict({
        policy,
        base: change.base,
        local: change.value,
        server: current,
        localTime,
        serverTime,
      });
      value = resolution.value;
      conflicts.push({ field, base: change.base, local: change.value, server: current, policy, ...resolution });
    }
    merged[field] = value;
    if (!jsonEqual(current, value)) changedFields.push(field);
  }
  return { merged, changedFields, conflicts };
}

export function hasManualConflict(conflicts: readonly FieldConflict[]): boolean {
  return conflicts.some((c) => c.outcome === 'manual');
}
