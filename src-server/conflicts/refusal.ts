import type { User } from '../../src-shared/domain/entities';
import { overseesSites } from '../../src-shared/domain/work-order-status';
import type { FieldConflict, Patch } from '../../src-shared/merge/merge-patch';
import type { Refusal } from '../../src-shared/protocol/conflicts';
import type { PushOp } from '../../src-shared/protocol/push';
import type { RecordState } from '../sync/record-state';

/**
 * A change the server refuses is never lost (docs/keeping-work-safe.md). It is kept as a `refused` conflict
 * holding the technician's values, at the site of the record it was about, where the site's
 * supervisors apply or dismiss it; the device keeps it too until it learns which.
 */

/** The fields of a refused change, side by side with the server's values: a person decides each. */
export function sideBySideOf(op: Pick<PushOp, 'kind' | 'patch'>, current: RecordState | null): FieldConflict[] {
  return Object.entries(op.patch).map(([field, change]) => ({
    field,
    base: op.kind === 'create' ? null : change.base,
    local: change.value,
    server: current && !current.deleted ? (current.data[field] ?? null) : null,
    policy: 'manual' as const,
    outcome: 'manual' as const,
    value: null,
  }));
}

/**
 * The site whose supervisors see a refused change: the record's as the server holds it, or, for a
 * record the server does not hold, the one the change names (a work order's, an attachment's work
 * order's). Null when there is none: the change is then kept for its author only.
 */
export function siteOfRefusal(op: Pick<PushOp, 'patch'>, current: RecordState | null, parentWorkOrder: RecordState | null): string | null {
  const siteOf = (value: unknown) => (typeof value === 'string' ? value : null);
  return siteOf(current?.data.siteId) ?? siteOf(parentWorkOrder?.data.siteId) ?? siteOf(op.patch.siteId?.value);
}

/**
 * The fields an error is about, when it names any (`details.field`, `details.fields`, or the first
 * path segment of validation issues): those are refused while the rest of the change is applied.
 */
export function fieldsNamedBy(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return [];
  const named: string[] = [];
  if ('field' in details && typeof details.field === 'string') named.push(details.field);
  if ('fields' in details && Array.isArray(details.fields)) named.push(...details.fields.filter((f): f is string => typeof f === 'string'));
  if ('issues' in details && Array.isArray(details.issues)) {
    const issues: unknown[] = details.issues;
    for (const issue of issues) {
      if (typeof issue === 'object' && issue !== null && 'path' in issue && typeof issue.path === 'string') named.push(issue.path.split('.')[0] ?? '');
    }
  }
  return [...new Set(named.filter((f) => f.length > 0))];
}

export function pickFields(patch: Patch, fields: readonly string[]): Patch {
  return Object.fromEntries(Object.entries(patch).filter(([field]) => fields.includes(field)));
}

export function refusalOf(op: Pick<PushOp, 'kind'>, error: Refusal['error']): Refusal {
  return { opKind: op.kind, error };
}

/** A refused change a supervisor applies is written with the supervisor's rights, and only at their sites. */
export function mayDecideRefusal(user: User, siteId: string | null): boolean {
  return overseesSites(user.role) && siteId !== null && user.siteIds.includes(siteId);
}
