import type { ConflictPolicy } from '../../src-shared/domain/conflict-policies';
import type { FieldConflict } from '../../src-shared/merge/merge-patch';
import { fieldName } from '../../src-shared/domain/field-names';

/** Which rule decides a field's conflicts (docs/architecture.md, Conflicts). */
export const policyText: Record<ConflictPolicy, string> = {
  'server-wins': 'the office’s value wins',
  'client-wins': 'the technician’s value wins',
  'last-write-wins': 'the later edit wins',
  'merge-by-key': 'items merged',
  union: 'both kept',
  manual: 'a person decides',
  status: 'status rules',
};

/** How a field's conflict was settled. */
export const outcomeText: Record<FieldConflict['outcome'], string> = {
  local: 'the technician’s value kept',
  server: 'the server’s value kept',
  merged: 'merged',
  manual: 'decided by a person',
};

/** A settled conflict's fields in one line: "Completion notes: decided by a person". */
export const settledFields = (fields: readonly FieldConflict[]) => fields.map((f) => `${fieldName(f.field)}: ${outcomeText[f.outcome]}`).join(', ');

/** What kind of conflict, in words a supervisor reads: never "update-update". */
const kindWords: Record<string, string> = {
  'update-update': 'Both changed the same fields',
  'update-delete': 'Changed here, deleted on the server',
  'delete-update': 'Deleted here, changed on the server',
  'create-create': 'Created twice',
  refused: 'A change the server refused',
};
export const conflictKindText = (kind: string): string => kindWords[kind] ?? 'A conflict';

/** A field's name in words ("Completion notes"), never its code name. */
export const fieldLabel = fieldName;
