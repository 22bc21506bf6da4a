import { recordKey } from '../../src-shared/domain/ids';
import { userSchema, workOrderSchema, type User } from '../../src-shared/domain/entities';
import { idsPerStatement, inChunks } from '../../src-shared/sqlite/statement-chunks';
import { deviceWritableKinds, entitySchemas, fieldNamesOf, fixedAfterCreateFields, technicianEditableFields, type EntityName } from '../../src-shared/domain/entity-registry';
import { conflictPolicyFor } from '../../src-shared/domain/conflict-policies';
import { fieldNames } from '../../src-shared/domain/field-names';
import { naturalKeyOf } from '../../src-shared/domain/natural-keys';
import { canReachStatus, workOrderStatusSchema } from '../../src-shared/domain/work-order-status';
import { completionBlocked } from '../../src-shared/domain/close-out';
import { hasManualConflict, mergePatch, type JsonRecord, type Patch } from '../../src-shared/merge/merge-patch';
import { FieldlineError, validationError, type ErrorEnvelope } from '../../src-shared/protocol/errors';
import type { PushOp, PushRequest, PushResponse, PushResult } from '../../src-shared/protocol/push';
import { pushResultSchema } from '../../src-shared/protocol/push';
import { isoAt, type Clock } from '../../src-shared/sync/clock';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DialectName, ServerDatabase, ServerDb } from '../db/schema';
import { escalate, recordConflict, updateDeleteFields, type ConflictContext } from '../conflicts/record-conflicts';
import { recordOutcome } from '../../src-shared/merge/record-conflict';
import { fieldsNamedBy, pickFields } from '../conflicts/refusal';
import { loadUser } from '../auth/users';
import type { ChangeHub } from './change-hub';
import { scopeFieldsOf, type RecordState } from './record-state';
import { inScopeNowSql, type Principal } from './scope';
import { isRetryableTransactionError, readHead, RecordUnitOfWork, type ConflictAudience, type FieldEditRequest, type RecordKey } from './unit-of-work';
import { historyStanding } from './history-check';
import { canWrite } from './write-access';
import { describeServer } from './server-description';
import type { ServerMetrics } from '../http/server-metrics';

export interface SyncServiceDeps {
  db: ServerDb;
  dialect: DialectName;
  clock: Clock;
  hub: ChangeHub;
  serverId: string;
  metrics: ServerMetrics;
}

interface OpContext extends ConflictContext {
  user: User;
  answers: PushRequest['answers'];
}

const maxTransactionAttempts = 5;

/** Why a revoked laptop's change waits for a supervisor: the laptop may be in someone else's hands. */
const handedOverReason = {
  code: 'DEVICE_REVOKED',
  message: 'Sent by a laptop IT revoked (reported lost or stolen): check it with the technician before applying it',
} as const;

/**
 * Applies pushed ops (docs/architecture.md, Conflicts): each batch in one transaction, each op exactly once by opId,
 * per-field base check and policies, every conflict recorded.
 */
export class PushService {
  constructor(private readonly deps: SyncServiceDeps) {}

  async push(principal: Principal, request: PushRequest): Promise<PushResponse> {
    if (request.cursor !== undefined) await this.requireSameHistory(request.cursor);
    return this.withRetries(() => this.pushOnce(principal, request, 'apply'));
  }

  /**
   * The unsent work of a laptop IT revoked (reported lost or stolen): nothing of it is applied, and
   * nothing is lost. Each op is kept as a refused change for its site's supervisors, who apply or
   * dismiss it; the laptop then wipes itself (docs/keeping-work-safe.md).
   */
  async handOver(principal: Principal, request: PushRequest): Promise<PushResponse> {
    return this.withRetries(() => this.pushOnce(principal, request, 'hand-over'));
  }

  private async withRetries(attemptOnce: () => Promise<PushResponse>): Promise<PushResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await attemptOnce();
      } catch (error) {
        // A concurrent batch on PostgreSQL (same new id, deadlock): run again; the op ids make it safe.
        if (attempt >= maxTransactionAttempts || !isRetryableTransactionError(error)) throw error;
      }
    }
  }

  /**
   * A device's changes are applied only to the history it synced with: pushed into a server
   * restored from an older backup, an op's base would be taken for what the server lost, and a list
   * the device sends again would read as items deleted here. The device pulls the reset first.
   */
  private async requireSameHistory(cursor: string): Promise<void> {
    const { db, serverId } = this.deps;
    const head = await readHead(db);
    const { reset } = await historyStanding(db, serverId, head, cursor);
    if (reset === 'history-diverged' || reset === 'other-server') {
      throw new FieldlineError(
        'VERSION_CONFLICT',
        reset === 'history-diverged'
          ? 'The server was restored from a backup since this device last synced: nothing was applied. The device downloads the restored data and sends again what the restore lost.'
          : 'This device last synced with another server at this address: nothing was applied. It downloads this server’s data first.',
        { reason: reset, server: describeServer(serverId, head) },
      );
    }
  }

  private async pushOnce(principal: Principal, request: PushRequest, mode: 'apply' | 'hand-over'): Promise<PushResponse> {
    const { db, dialect, clock, hub, serverId } = this.deps;
    const nowIso = isoAt(clock);
    const { results, commit } = await db.transaction().execute(async (trx) => {
      const uow = new RecordUnitOfWork(trx, dialect);
      uow.author = { userId: principal.user.id, deviceId: request.deviceId };
      const recorded = new Map<string, PushResult>();
      const opIds = request.ops.map((op) => op.opId);
      for (const chunk of inChunks(opIds, idsPerStatement)) {
        const rows = await trx.selectFrom('applied_ops').select(['op_id', 'result']).where('op_id', 'in', chunk).execute();
        for (const row of rows) recorded.set(row.op_id, pushResultSchema.parse(JSON.parse(row.result)));
      }
      const inPlace = uow.editsInPlace && request.answers === 'as-sent' ? fieldEditsOf(request.ops, recorded) : new Map<PushOp, FieldEditRequest>();
      await uow.load(request.ops.filter((op) => !inPlace.has(op)).flatMap(keysTouchedBy));
      // An update or delete of an attachment names no work order; access follows the stored one's.
      await uow.load(request.ops.flatMap((op) => storedParentKey(uow, op)));
      // A replayed create-create answers with the survivor as it is now.
      await uow.load(request.ops.flatMap((op) => survivorKey(op, recorded.get(op.opId))));
      await uow.loadForFieldEdits([...inPlace.values()]);
      const ctx: OpContext = { uow, user: principal.user, userId: principal.user.id, deviceId: request.deviceId, nowIso, answers: request.answers };
      const results: PushResult[] = [];
      // Conflicts a device decided in this batch: their sites' supervisors see it at once.
      const decided: ConflictAudience[] = [];
      for (const op of request.ops) {
        const earlier = recorded.get(op.opId);
        if (earlier) {
          results.push(replayed(uow, op, earlier));
          continue;
        }
        const result = mode === 'apply' ? await applyOpOrRefuse(ctx, op) : await refuse(ctx, op, handedOverReason);
        if (op.resolves && (result.status === 'applied' || result.status === 'conflict')) {
          decided.push(...(await markResolvedByDevice(trx, op, principal.user.id, nowIso)));
        }
        recorded.set(op.opId, result);
        uow.addAppliedOp(op.opId, request.deviceId, principal.user.id, () => withoutRecord(result));
        results.push(result);
      }
      const commit = await uow.commit(nowIso, (numbers) => {
        for (const result of results) {
          const id = result.record?.id;
          const number = typeof id === 'string' ? numbers.get(id) : undefined;
          if (result.record && number) result.record = { ...result.record, number };
        }
      });
      const announced = { ...commit, conflicts: [...commit.conflicts, ...decided] };
      await hub.announce(trx, announced);
      return { results, commit: announced };
    });
    hub.publish(commit.head, commit.changes, commit.conflicts);
    this.deps.metrics.pushed(results, commit.headLockWaitMs);
    return { results, server: describeServer(serverId, commit.head) };
  }
}

/**
 * An op's result as recorded for replays: without the record, which is nearly all of its bytes
 * (a work order's whole JSON per op, kept for the retention window, and written with every push). A replay answers with the whole record as it is now instead (replayed),
 * so `asSent`, which describes the record the op produced, goes too.
 */
function withoutRecord(result: PushResult): Omit<PushResult, 'record' | 'asSent'> {
  const { record: _record, asSent: _asSent, ...rest } = result;
  return rest;
}

/**
 * The answer to an op seen before: its recorded outcome, with the record and version as they are
 * now — the state the device settles on either way, and never older than what the op produced.
 * A record gone from the server since is answered as deleted, so the device does not keep it.
 */
function replayed(uow: RecordUnitOfWork, op: PushOp, earlier: PushResult): PushResult {
  const answer: PushResult = { ...withoutRecord(earlier), status: 'duplicate', replayOf: earlier.status === 'duplicate' ? (earlier.replayOf ?? 'applied') : earlier.status };
  if (answer.replayOf === 'rejected' || earlier.deleted) return answer;
  const current = uow.get(op.entity, earlier.survivorId ?? op.id);
  if (!current || current.deleted) return { ...answer, version: current?.version ?? earlier.version, deleted: true };
  return { ...answer, version: current.version, record: current.data };
}

function survivorKey(op: PushOp, earlier: PushResult | undefined): RecordKey[] {
  return earlier?.survivorId && earlier.survivorId !== op.id ? [{ entity: op.entity, id: earlier.survivorId }] : [];
}

/** The device's decision closes the server's record of the conflict, if it is about this record; returns whom to tell. */
async function markResolvedByDevice(trx: Transaction<ServerDatabase>, op: PushOp, userId: string, nowIso: string): Promise<ConflictAudience[]> {
  if (!op.resolves) return [];
  const closed = await trx
    .updateTable('conflicts')
    .set({ status: 'resolved', resolved_at: nowIso, resolved_by: userId, resolution: JSON.stringify({ byOp: op.opId }) })
    .where('id', '=', op.resolves)
    .where((eb) => eb.or([eb('record_id', '=', op.id), eb('survivor_id', '=', op.id)]))
    .where('status', '!=', 'resolved')
    .returning(['site_id', 'user_id'])
    .execute();
  return closed.map((row) => ({ siteId: row.site_id, userId: row.user_id }));
}

/**
 * The ops that may be applied in place (see applyInPlace): updates, not seen before, of fields that
 * neither scope, natural key nor write access read, on a record no other op of the batch touches.
 * (The request's schema has refused unknown fields and those the server sets, pushOpSchema.)
 * Whether each is, in the end, depends on the record it finds.
 */
function fieldEditsOf(ops: readonly PushOp[], recorded: ReadonlyMap<string, PushResult>): Map<PushOp, FieldEditRequest> {
  const touches = new Map<string, number>();
  for (const { entity, id } of ops.flatMap(keysTouchedBy)) touches.set(recordKey(entity, id), (touches.get(recordKey(entity, id)) ?? 0) + 1);
  const edits = new Map<PushOp, FieldEditRequest>();
  for (const op of ops) {
    const { entity, id } = op;
    const fields = Object.keys(op.patch);
    if (op.kind !== 'update' || recorded.has(op.opId) || touches.get(recordKey(entity, id)) !== 1 || entity === 'attachment') continue;
    if (!fields.some((field) => scopeFieldsOf[entity].includes(field))) edits.set(op, { entity, id, fields });
  }
  return edits;
}

function keysTouchedBy(op: PushOp): RecordKey[] {
  const keys: RecordKey[] = [{ entity: op.entity, id: op.id }];
  const workOrderId = op.patch.workOrderId?.value;
  if (op.entity === 'attachment' && typeof workOrderId === 'string') keys.push({ entity: 'workOrder', id: workOrderId });
  return keys;
}

function storedParentKey(uow: RecordUnitOfWork, op: PushOp): RecordKey[] {
  if (op.entity !== 'attachment') return [];
  const workOrderId = uow.get('attachment', op.id)?.data.workOrderId;
  return typeof workOrderId === 'string' ? [{ entity: 'workOrder', id: workOrderId }] : [];
}

/**
 * Applies an op, or as much of it as this user may make (docs/keeping-work-safe.md): an error that names some of
 * an update's fields (a field the user may not change, a status move not allowed) refuses those
 * fields and applies the rest; any other error refuses the whole op. Whatever is refused is kept
 * on the server as an escalation for the site's supervisors, never dropped.
 */
async function applyOpOrRefuse(ctx: OpContext, op: PushOp): Promise<PushResult> {
  const late = op.resolves ? await decidedAlready(ctx, op.resolves) : null;
  if (late) return { opId: op.opId, status: 'rejected', error: late };
  let patch = op.patch;
  // The fields refused so far, and the first error that refused any.
  const refusedFields: string[] = [];
  let refusal: ErrorEnvelope | undefined;
  for (;;) {
    try {
      // An answer to part of an op carries the record: as-sent would mean every field was applied.
      const result = await applyOp(refusal ? { ...ctx, answers: 'records' } : ctx, { ...op, patch });
      if (!refusal) return result;
      const escalation = await escalate(ctx, { ...op, patch: pickFields(op.patch, refusedFields) }, refusal);
      return { ...result, error: refusal, escalation };
    } catch (error) {
      if (!(error instanceof FieldlineError)) throw error;
      const named = op.kind === 'update' ? fieldsNamedBy(error.details).filter((field) => field in patch) : [];
      const rest = Object.keys(patch).filter((field) => !named.includes(field));
      if (named.length === 0 || rest.length === 0) return refuse(ctx, op, error.toEnvelope());
      refusedFields.push(...named);
      refusal ??= error.toEnvelope();
      patch = pickFields(patch, rest);
    }
  }
}

async function applyOp(ctx: OpContext, op: PushOp): Promise<PushResult> {
  checkOpAllowed(ctx.user, op);
  switch (op.kind) {
    case 'create':
      return applyCreate(ctx, op);
    case 'update':
      return applyUpdate(ctx, op);
    case 'delete':
      return applyDelete(ctx, op);
  }
}

/** The whole op refused: kept for the supervisors, and the device told whether the record is still its user's. */
async function refuse(ctx: OpContext, op: PushOp, error: ErrorEnvelope): Promise<PushResult> {
  await ctx.uow.load([{ entity: op.entity, id: op.id }]);
  const current = ctx.uow.get(op.entity, op.id);
  const leftScope = current !== null && !current.deleted && !(await inScopeOf(ctx, current));
  const reason = leftScope ? await whoHasItNow(ctx, current, error) : error;
  const escalation = await escalate(ctx, op, reason);
  return { opId: op.opId, status: 'rejected', error: reason, escalation, ...(leftScope ? { leftScope } : {}) };
}

/** A record that left the user's scope, in words a technician acts on: who has the work order now. */
async function whoHasItNow(ctx: OpContext, current: RecordState, error: ErrorEnvelope): Promise<ErrorEnvelope> {
  const workOrder = current.entity === 'workOrder' ? current : typeof current.data.workOrderId === 'string' ? ctx.uow.get('workOrder', current.data.workOrderId) : null;
  if (!workOrder) return error;
  const name = typeof workOrder.data.number === 'string' ? workOrder.data.number : 'This work order';
  const assignee = typeof workOrder.data.assignedTo === 'string' ? await loadUser(ctx.uow.trx, workOrder.data.assignedTo) : null;
  const now = assignee ? `is now assigned to ${assignee.displayName}` : 'is no longer assigned to you';
  return {
    code: error.code,
    message: `${name} ${now}; your change was handed to the site's supervisors`,
    details: { assignedTo: assignee?.id ?? null, assignedToName: assignee?.displayName ?? null, reason: error.message },
  };
}

/** Whether the user's devices still hold this record (their whole scope, not narrowed). */
async function inScopeOf(ctx: OpContext, state: RecordState): Promise<boolean> {
  const row = await ctx.uow.trx
    .selectFrom('records as r')
    .select('r.id')
    .where('r.entity', '=', state.entity)
    .where('r.id', '=', state.id)
    .where(inScopeNowSql({ user: ctx.user }, {}, 'r', Date.parse(ctx.nowIso)))
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * One decision per conflict (docs/keeping-work-safe.md): a device's decision of a conflict someone has
 * decided already is refused, never applied over the first. Nothing is escalated: the device's
 * values are in that conflict already.
 */
async function decidedAlready(ctx: OpContext, conflictId: string): Promise<ErrorEnvelope | null> {
  const row = await ctx.uow.trx.selectFrom('conflicts').select(['status', 'resolved_by', 'resolved_at']).where('id', '=', conflictId).executeTakeFirst();
  if (!row || row.status !== 'resolved' || row.resolved_by === null) return null;
  const decider = await loadUser(ctx.uow.trx, row.resolved_by);
  const who = decider?.displayName ?? 'someone else';
  return {
    code: 'VERSION_CONFLICT',
    message: `${who} decided this conflict first${row.resolved_at ? ` (${row.resolved_at})` : ''}; your decision was not applied`,
    details: { conflictId, resolvedBy: row.resolved_by, resolvedByName: decider?.displayName ?? null, resolvedAt: row.resolved_at },
  };
}

/** What this user may do with this op; its shape was checked with the request (pushOpSchema). */
function checkOpAllowed(user: User, op: PushOp): void {
  if (!deviceWritableKinds[op.entity].includes(op.kind)) {
    throw new FieldlineError('PERMISSION_DENIED', `A device cannot ${op.kind} ${op.entity} records`);
  }
  const fixed = op.kind === 'update' ? Object.keys(op.patch).filter((f) => fixedAfterCreateFields[op.entity].includes(f)) : [];
  if (fixed.length > 0) {
    throw new FieldlineError('VALIDATION_ERROR', `${fieldNames(fixed)}: set when the file was attached, and never changed after`, { fields: fixed });
  }
  if (op.kind === 'update' && user.role === 'technician') {
    const denied = Object.keys(op.patch).filter((f) => !technicianEditableFields[op.entity].includes(f));
    if (denied.length > 0) {
      throw new FieldlineError('PERMISSION_DENIED', `${fieldNames(denied)}: only a supervisor can change ${denied.length === 1 ? 'this' : 'these'}`, {
        fields: denied,
      });
    }
  }
}

/**
 * Offline transitions arrive coalesced (assigned → completed), so the target must be reachable
 * from where the device started — or, if it sent no base, from where the server is.
 */
function checkStatusTransition(user: User, op: PushOp, current: RecordState): void {
  const status = op.patch.status;
  if (op.entity !== 'workOrder' || !status) return;
  const base = workOrderStatusSchema.safeParse(status.base);
  const from = base.success ? base.data : workOrderStatusSchema.parse(current.data.status);
  const to = workOrderStatusSchema.parse(status.value);
  if (!canReachStatus(from, to, user.role)) {
    throw new FieldlineError('VALIDATION_ERROR', `A ${user.role} cannot move a work order from ${from} to ${to}`, { field: 'status' });
  }
}

/** A work order becomes completed only with its required tasks done; the rest of the change still applies (refusal.ts). */
function requireCompletable(before: JsonRecord, after: JsonRecord): void {
  if (after.status !== 'completed' || before.status === 'completed') return;
  const blocked = completionBlocked(workOrderSchema.parse(after));
  if (blocked) throw new FieldlineError('VALIDATION_ERROR', blocked, { field: 'status' });
}

function validateRecord(entity: EntityName, data: JsonRecord): void {
  const parsed = entitySchemas[entity].safeParse(data);
  if (!parsed.success) throw validationError(`${entity} record`, parsed.error);
}

/** Strict schemas of a few fields of an entity, by entity and field list. */
const fieldSchemas = new Map<string, z.ZodType>();

/**
 * Validates a write to a stored record by the fields it changed: the rest passed when stored.
 * Validating the whole work order (tasks, parts, labor, measurements) for every op was a large share
 * of the server's work on a push of many one-field edits (bench figure 3).
 * A field the entity does not have is reported by the whole record's validation.
 */
function validateChangedFields(entity: EntityName, before: JsonRecord, after: JsonRecord): void {
  const changed = [...new Set([...Object.keys(after), ...Object.keys(before)])].filter((field) => after[field] !== before[field]);
  const shape: Record<string, z.ZodType> = entitySchemas[entity].shape;
  if (changed.some((field) => !Object.hasOwn(shape, field))) return validateRecord(entity, after);
  const key = `${entity}:${changed.join(',')}`;
  let schema = fieldSchemas.get(key);
  if (schema === undefined) {
    schema = z.strictObject(Object.fromEntries(changed.map((field) => [field, shape[field]])));
    // Bounded: the field lists come from devices.
    if (fieldSchemas.size >= 512) fieldSchemas.clear();
    fieldSchemas.set(key, schema);
  }
  const parsed = schema.safeParse(Object.fromEntries(changed.map((field) => [field, after[field]])));
  if (!parsed.success) throw validationError(`${entity} record`, parsed.error);
}

function parentOf(uow: RecordUnitOfWork, entity: EntityName, data: JsonRecord): RecordState | null {
  return entity === 'attachment' && typeof data.workOrderId === 'string' ? uow.get('workOrder', data.workOrderId) : null;
}

/** Why a write was refused, in words a technician acts on. */
const noWriteAccess: { readonly [E in EntityName]: string } = {
  workOrder: 'This work order is not yours to change (not assigned to you, or at a site you do not work at)',
  asset: 'This asset is at a site you do not work at',
  attachment: 'The work order of this photo or document is not yours to change',
  part: 'Parts stock is kept by the office',
  site: 'Sites are kept by the office',
  user: 'People are kept by the office',
};

function requireWrite(ctx: OpContext, state: RecordState): void {
  const parent = parentOf(ctx.uow, state.entity, state.data);
  if (!canWrite(ctx.user, state, parent)) {
    throw new FieldlineError('PERMISSION_DENIED', noWriteAccess[state.entity], { entity: state.entity, id: state.id });
  }
}

/** The fields write access is read from (write-access.ts): a change of them must leave the record writable. */
const accessFields = ['siteId', 'assignedTo', 'createdBy', 'workOrderId'] as const;

/**
 * Every write must be allowed for the record before and after it: nobody moves a work order, an
 * asset or a photo to a site (or a work order) where they may not change it. The error names the
 * fields that would move it, so they alone are refused and the rest of the change applies.
 */
function requireWriteAfter(ctx: OpContext, after: RecordState, changedFields: readonly string[]): void {
  const parent = parentOf(ctx.uow, after.entity, after.data);
  if (canWrite(ctx.user, after, parent)) return;
  const moved = accessFields.filter((field) => changedFields.includes(field));
  throw new FieldlineError('PERMISSION_DENIED', `That would move this ${after.entity === 'workOrder' ? 'work order' : after.entity} where you may not change it: ${fieldNames(moved.length > 0 ? moved : changedFields)}`, {
    fields: moved,
  });
}

function serverManagedOnCreate(entity: EntityName, user: User, nowIso: string): JsonRecord {
  switch (entity) {
    case 'workOrder':
      return { number: null, createdBy: user.id, createdAt: nowIso, updatedAt: nowIso };
    case 'attachment':
      return { capturedBy: user.id, uploaded: false };
    default:
      return {};
  }
}

/** The fields the server sets on every change of a record. */
function touchedFields(entity: EntityName, nowIso: string): JsonRecord {
  return entity === 'workOrder' ? { updatedAt: nowIso } : {};
}

function touch(entity: EntityName, data: JsonRecord, nowIso: string): JsonRecord {
  return { ...data, ...touchedFields(entity, nowIso) };
}

/**
 * A work order goes only to a person who works at its site: assigned to anyone else, it would
 * reach nobody's device (scope.ts) and sit there unseen.
 */
async function requireAssigneeAtSite(ctx: OpContext, workOrder: JsonRecord): Promise<void> {
  const assignee = workOrder.assignedTo;
  if (typeof assignee !== 'string') return;
  await ctx.uow.load([{ entity: 'user', id: assignee }]);
  const person = ctx.uow.get('user', assignee);
  const parsed = person && !person.deleted ? userSchema.safeParse(person.data) : null;
  if (!parsed?.success || typeof workOrder.siteId !== 'string' || !parsed.data.siteIds.includes(workOrder.siteId)) {
    throw new FieldlineError('VALIDATION_ERROR', 'A work order can be assigned only to someone who works at its site', { field: 'assignedTo' });
  }
}

async function applyCreate(ctx: OpContext, op: PushOp): Promise<PushResult> {
  const { uow, user, nowIso } = ctx;
  const existing = uow.get(op.entity, op.id) ?? null;
  const outcome = recordOutcome(op, existing);
  if (outcome === 'recreate-refused') throw new FieldlineError('VALIDATION_ERROR', `${op.entity} ${op.id} was deleted on the server and cannot be created again`);
  if (outcome === 'create-create' && existing) return createCreate(ctx, op, existing);
  const values: JsonRecord = Object.fromEntries(Object.entries(op.patch).map(([field, change]) => [field, change.value]));
  const data: JsonRecord = { ...values, id: op.id, ...serverManagedOnCreate(op.entity, user, nowIso) };
  validateRecord(op.entity, data);
  const state: RecordState = { entity: op.entity, id: op.id, version: 1, data, deleted: false, createdAt: nowIso, updatedAt: nowIso };
  requireWrite(ctx, state);
  if (user.role === 'technician' && op.entity === 'workOrder' && data.assignedTo !== null && data.assignedTo !== user.id) {
    throw new FieldlineError('PERMISSION_DENIED', 'A technician can assign a new work order only to themselves');
  }
  if (op.entity === 'workOrder') await requireAssigneeAtSite(ctx, data);
  const key = naturalKeyOf(op.entity, data);
  const survivor = key === null ? null : await uow.findByNaturalKey(op.entity, key, op.id);
  if (survivor && canWrite(user, survivor, parentOf(uow, survivor.entity, survivor.data))) return createCreate(ctx, op, survivor);
  uow.put(state);
  return { opId: op.opId, status: 'applied', version: 1, record: data };
}

/**
 * Two devices created the same record (same id replayed under a new opId, or the same natural
 * key): the existing record survives, the newcomer's values merge into it as if edited from
 * nothing, and the device is told the survivor's id so it rewrites its references.
 */
function createCreate(ctx: OpContext, op: PushOp, survivor: RecordState): PushResult {
  const { uow, user, nowIso } = ctx;
  requireWrite(ctx, survivor);
  const editable = user.role === 'technician' ? technicianEditableFields[op.entity] : fieldNamesOf(op.entity);
  const patch: Patch = Object.fromEntries(
    Object.entries(op.patch)
      .filter(([field]) => editable.includes(field))
      .map(([field, change]) => [field, { base: null, value: change.value }]),
  );
  const merge = mergePatch({
    server: survivor.data,
    patch,
    conflictPolicyOf: (f) => conflictPolicyFor(op.entity, f),
    localTime: op.clientTime ?? nowIso,
    serverTime: survivor.updatedAt,
  });
  let state = survivor;
  if (merge.changedFields.length > 0) {
    const data = touch(op.entity, merge.merged, nowIso);
    validateChangedFields(op.entity, survivor.data, data);
    state = { ...survivor, data, version: survivor.version + 1, updatedAt: nowIso };
    requireWriteAfter(ctx, state, merge.changedFields);
    uow.put(state);
  }
  const conflict = recordConflict(ctx, op, 'create-create', merge.conflicts, survivor, survivor.id);
  return { opId: op.opId, status: 'conflict', version: state.version, record: state.data, survivorId: survivor.id, conflict };
}

/**
 * An update applied to the fields it names, the rest of the record left in the database
 * (RecordUnitOfWork.loadForFieldEdits): the device asked for as-sent answers, its base version is
 * the server's and every field merges without conflict, so the answer needs no record. Null when
 * one of these fails; the op then takes the whole record's path, which answers with the record.
 */
function applyInPlace(ctx: OpContext, op: PushOp, current: RecordState): PushResult | null {
  if (ctx.answers !== 'as-sent') return null;
  // A completion is checked against the whole work order (its required tasks): the whole record's path.
  if (op.patch.status?.value === 'completed') return null;
  requireWrite(ctx, current);
  if (current.version !== op.baseVersion) return null;
  const merge = mergeOp(op, current, ctx.nowIso);
  if (merge.conflicts.length > 0 || merge.changedFields.length === 0) return null;
  const data = touch(op.entity, merge.merged, ctx.nowIso);
  validateChangedFields(op.entity, current.data, data);
  const written = [...new Set([...merge.changedFields, ...Object.keys(touchedFields(op.entity, ctx.nowIso))])];
  ctx.uow.editInPlace(op.entity, op.id, Object.fromEntries(written.map((field) => [field, data[field] ?? null])), ctx.nowIso);
  return { opId: op.opId, status: 'applied', version: current.version + 1, asSent: touchedFields(op.entity, ctx.nowIso) };
}

function mergeOp(op: PushOp, current: RecordState, nowIso: string) {
  return mergePatch({
    server: current.data,
    patch: op.patch,
    conflictPolicyOf: (f) => conflictPolicyFor(op.entity, f),
    localTime: op.clientTime ?? nowIso,
    serverTime: current.updatedAt,
  });
}

async function applyUpdate(ctx: OpContext, op: PushOp): Promise<PushResult> {
  const { uow, user, nowIso } = ctx;
  const fieldEdit = uow.fieldEditOf(op.entity, op.id);
  if (fieldEdit) {
    const result = applyInPlace(ctx, op, fieldEdit);
    if (result) return result;
    await uow.load([{ entity: op.entity, id: op.id }]);
  }
  const current = uow.get(op.entity, op.id) ?? null;
  const outcome = recordOutcome(op, current);
  if (outcome === 'not-found' || !current) throw new FieldlineError('NOT_FOUND', `${op.entity} ${op.id} does not exist on the server`);
  requireWrite(ctx, current);
  if (outcome === 'update-delete') {
    const conflict = recordConflict(ctx, op, 'update-delete', updateDeleteFields(op), current);
    return { opId: op.opId, status: 'conflict', version: current.version, deleted: true, conflict };
  }
  checkStatusTransition(user, op, current);
  const merge = mergeOp(op, current, nowIso);
  let state = current;
  if (merge.changedFields.length > 0) {
    const data = touch(op.entity, merge.merged, nowIso);
    validateChangedFields(op.entity, current.data, data);
    if (op.entity === 'workOrder') requireCompletable(current.data, data);
    if (op.entity === 'workOrder' && (merge.changedFields.includes('assignedTo') || merge.changedFields.includes('siteId'))) await requireAssigneeAtSite(ctx, data);
    state = { ...current, data, version: current.version + 1, updatedAt: nowIso };
    requireWriteAfter(ctx, state, merge.changedFields);
    uow.put(state);
  }
  if (merge.conflicts.length === 0) {
    // Without a conflict every field took the op's value (mergePatch), so on the record the device
    // based the op on, the result is recordAsSent(its record, the patch, the touched fields).
    if (ctx.answers === 'as-sent' && state !== current && current.version === op.baseVersion) {
      return { opId: op.opId, status: 'applied', version: state.version, asSent: touchedFields(op.entity, nowIso) };
    }
    return { opId: op.opId, status: 'applied', version: state.version, record: state.data };
  }
  const conflict = recordConflict(ctx, op, 'update-update', merge.conflicts, { ...current, data: state.data });
  return { opId: op.opId, status: hasManualConflict(merge.conflicts) ? 'conflict' : 'applied', version: state.version, record: state.data, conflict };
}

async function applyDelete(ctx: OpContext, op: PushOp): Promise<PushResult> {
  const { uow, user, nowIso } = ctx;
  const current = uow.get(op.entity, op.id) ?? null;
  const outcome = recordOutcome(op, current);
  if (outcome === 'already-deleted' || !current) {
    return { opId: op.opId, status: 'applied', version: current?.version ?? 0, deleted: true };
  }
  requireWrite(ctx, current);
  if (user.role === 'technician' && op.entity === 'workOrder' && (current.data.status !== 'draft' || current.data.createdBy !== user.id)) {
    throw new FieldlineError('PERMISSION_DENIED', 'A technician can delete only their own draft work orders');
  }
  if (outcome === 'delete-update') {
    const conflict = recordConflict(ctx, op, 'delete-update', [], current);
    return { opId: op.opId, status: 'conflict', version: current.version, record: current.data, conflict };
  }
  uow.put({ ...current, deleted: true, version: current.version + 1, updatedAt: nowIso });
  return { opId: op.opId, status: 'applied', version: current.version + 1, deleted: true };
}

