import { canonicalJson, jsonEqual, type Json } from '../domain/json';
import type { ConflictPolicy } from '../domain/conflict-policies';
import { asArray, mergeByKey } from './merge-by-key';
import { unionMerge } from './union-merge';
import { resolveStatusConflict } from './status-resolution';

/** What became of a conflicting field: one side's value, a merge of both, or left for a person. */
export type FieldOutcome = 'local' | 'server' | 'merged' | 'manual';

export interface FieldConflictInput {
  policy: ConflictPolicy;
  base: Json;
  local: Json;
  server: Json;
  /** When the device made its change and when the server's value was written (ISO). Only LWW reads them. */
  localTime: string;
  serverTime: string;
}

export interface FieldResolution {
  outcome: FieldOutcome;
  /** The value the record takes; for `manual`, the server's value stays until a person decides. */
  value: Json;
}

/**
 * Decides one field whose server value moved away from the base the device edited. Used by the
 * server when it applies a push and by the device when a pull rebases a pending change.
 */
export function resolveFieldConflict(input: FieldConflictInput): FieldResolution {
  const { policy, base, local, server } = input;
  switch (policy) {
    case 'server-wins':
      return { outcome: 'server', value: server };
    case 'client-wins':
      return { outcome: 'local', value: local };
    case 'manual':
      return { outcome: 'manual', value: server };
    case 'status': {
      const outcome = resolveStatusConflict(local, server);
      return { outcome, value: outcome === 'local' ? local : server };
    }
    case 'last-write-wins': {
      // Timestamps only break the tie (docs/architecture.md); equal times fall back to a total order on values.
      const localFirst =
        input.localTime === input.serverTime
          ? canonicalJson(local) > canonicalJson(server)
          : input.localTime > input.serverTime;
      return localFirst ? { outcome: 'local', value: local } : { outcome: 'server', value: server };
    }
    case 'merge-by-key':
      return { outcome: 'merged', value: mergeByKey(asArray(base), asArray(local), asArray(server)) };
    case 'union':
      return { outcome: 'merged', value: unionMerge(asArray(base), asArray(local), asArray(server)) };
  }
}

/**
 * The one test of "was this field changed on both sides": the server's value is neither the base
 * the change started from nor the value it brings. Push (mergePatch) and a device's rebase of a
 * pulled record both decide by it; only then does the field's policy speak.
 */
export function bothChanged(change: { base: Json; local: Json; server: Json }): boolean {
  return !jsonEqual(change.server, change.base) && !jsonEqual(change.server, change.local);
}
