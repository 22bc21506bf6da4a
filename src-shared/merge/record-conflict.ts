import type { OpKind } from '../protocol/push';

/**
 * What an op meets on the server at the level of the whole record, before any field is merged
 * (fields: field-resolution.ts). The one place that says when a create, an update or a delete is a
 * record-level conflict; the server records it (src-server/conflicts/record-conflicts.ts).
 *
 * - `apply`: no record-level conflict; an update or create goes on to the field merge.
 * - `create-create`: the record exists already (the same id created elsewhere, or replayed under a
 *   new op id); the existing record survives and the newcomer's values merge into it.
 * - `update-delete`: an update met a deleted record; a person decides whether it comes back.
 * - `delete-update`: a delete met a record changed since the device's base; a person decides
 *   whether the change or the delete stands, so nobody's change disappears unseen.
 * - `already-deleted`: a delete of a record already gone (or never created): nothing to do.
 * - `recreate-refused`: a create of a record deleted on the server: an id is never reused.
 * - `not-found`: an update of a record the server never had.
 */
export type RecordOutcome = 'apply' | 'create-create' | 'update-delete' | 'delete-update' | 'already-deleted' | 'recreate-refused' | 'not-found';

/** The server's record as the op finds it: null when there is none. */
export interface ServerRecordState {
  version: number;
  deleted: boolean;
}

export function recordOutcome(op: { kind: OpKind; baseVersion: number }, server: ServerRecordState | null): RecordOutcome {
  switch (op.kind) {
    case 'create':
      if (server === null) return 'apply';
      return server.deleted ? 'recreate-refused' : 'create-create';
    case 'update':
      if (server === null) return 'not-found';
      return server.deleted ? 'update-delete' : 'apply';
    case 'delete':
      if (server === null || server.deleted) return 'already-deleted';
      return server.version === op.baseVersion ? 'apply' : 'delete-update';
  }
}
