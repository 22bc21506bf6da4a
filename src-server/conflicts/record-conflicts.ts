import type { FieldConflict, JsonRecord } from '../../src-shared/merge/merge-patch';
import type { Conflict, ConflictKind } from '../../src-shared/protocol/conflicts';
import type { PushOp } from '../../src-shared/protocol/push';
import type { RecordState } from '../sync/record-state';
import type { RecordUnitOfWork } from '../sync/unit-of-work';
import { conflictFromRow, newConflictRow } from './conflict-record';
import { refusalOf, sideBySideOf, siteOfRefusal } from './refusal';
import type { ErrorEnvelope } from '../../src-shared/protocol/errors';

/** Who pushed the op, and the push's transaction the conflict is written in. */
export interface ConflictContext {
  uow: RecordUnitOfWork;
  userId: string;
  deviceId: string;
  nowIso: string;
}

const siteOf = (data: JsonRecord): string | null => (typeof data.siteId === 'string' ? data.siteId : null);

/**
 * Records a conflict of this op against `server` (the record as the server had it) in the push's
 * transaction and returns it for the op's result. Which kind it is, is decided by recordOutcome
 * (src-shared/merge/record-conflict.ts) and, for fields, by mergePatch.
 */
export function recordConflict(ctx: ConflictContext, op: PushOp, kind: ConflictKind, fields: FieldConflict[], server: RecordState, survivorId: string | null = null): Conflict {
  const row = newConflictRow({
    entity: op.entity,
    recordId: op.id,
    kind,
    fields,
    opId: op.opId,
    deviceId: ctx.deviceId,
    userId: ctx.userId,
    siteId: siteOf(server.data),
    survivorId,
    clientVersion: op.baseVersion,
    serverVersion: server.version,
    createdAt: ctx.nowIso,
  });
  ctx.uow.addConflict(row);
  return conflictFromRow(row);
}

/** An update that met a deleted record: every field it names waits for a person, the server side empty. */
export function updateDeleteFields(op: PushOp): FieldConflict[] {
  return Object.entries(op.patch).map(([field, change]) => ({
    field,
    base: change.base,
    local: change.value,
    server: null,
    policy: 'manual' as const,
    outcome: 'manual' as const,
    value: null,
  }));
}

/** Records the refused change (or part of one) as a `refused` conflict: the technician's values, side by side with the server's. */
export async function escalate(ctx: ConflictContext, op: PushOp, error: ErrorEnvelope): Promise<Conflict> {
  const { uow } = ctx;
  await uow.load([{ entity: op.entity, id: op.id }]);
  const current = uow.get(op.entity, op.id);
  const parentId = op.entity === 'attachment' ? (current?.data.workOrderId ?? op.patch.workOrderId?.value) : undefined;
  if (typeof parentId === 'string') await uow.load([{ entity: 'workOrder', id: parentId }]);
  const parent = typeof parentId === 'string' ? uow.get('workOrder', parentId) : null;
  const row = newConflictRow({
    entity: op.entity,
    recordId: op.id,
    kind: 'refused',
    fields: sideBySideOf(op, current),
    opId: op.opId,
    deviceId: ctx.deviceId,
    userId: ctx.userId,
    siteId: siteOfRefusal(op, current, parent),
    survivorId: null,
    clientVersion: op.baseVersion,
    serverVersion: current?.version ?? 0,
    createdAt: ctx.nowIso,
    refusal: refusalOf(op, error),
  });
  uow.addConflict(row);
  return conflictFromRow(row);
}
