import { entityNameSchema } from '../../../src-shared/domain/entity-registry';
import { idsByEntity, idsPerStatement, inChunks } from '../../../src-shared/sqlite/statement-chunks';
import type { Patch } from '../../../src-shared/merge/merge-patch';
import { FieldlineError, type ErrorEnvelope } from '../../../src-shared/protocol/errors';
import { maxPushOps, type PushOp, type PushResult } from '../../../src-shared/protocol/push';
import { isoAt, type Clock } from '../../../src-shared/sync/clock';
import { maxAttempts, retryDelayMs } from '../../../src-shared/sync/retry-policy';
import type { ClientDb, ClientTrx } from '../store/client-schema';
import { parseData } from '../store/stored-json';
import { recordKey } from '../../../src-shared/domain/ids';
import { basesOfRecords, deleteBasesOf } from '../store/record-bases';
import type { AuthSession } from '../auth/auth-session';
import { letRequestLeave, type SyncApi } from './sync-api';
import { PushPlanner } from './push-plan';
import { answersToAsk, forgetServerFeatures, settleAsSentInPlace, withAsSentRecords } from './as-sent-answers';
import type { PulledChange } from '../../../src-shared/protocol/pull-lines';
import { applyPlainChanges } from './pulled-records';
import { conflictRow } from '../conflicts/conflict-rows';
import { recordsStillBusy, refreshSyncState, settleRecord } from './record-settlement';
import { removeLocally } from '../local-data/record-removal';
import type { OutboxRow } from '../outbox/outbox-rows';
import { keepRefusedPart, keepRejected } from './refused-changes';
import { journalAcknowledged } from './acknowledged-journal';
import { readSyncState, serverNamed } from './sync-state';
import { resetReasonSchema, type ResetReason } from '../../../src-shared/protocol/pull';

/**
 * A push batch when the caller gives no limits: as many ops as a request may carry, but at most
 * 512 KB, which a 3G link (750 kbit/s) sends in ~6 s, well inside the request timeout.
 */
export const defaultPushBatch = { maxOps: maxPushOps, maxBytes: 512 * 1024 } as const;

export interface PushContext {
  db: ClientDb;
  api: SyncApi;
  auth: AuthSession;
  clock: Clock;
  random: () => number;
  deviceId: string;
  maxOps: number;
  maxBytes: number;
}

export interface PushOutcome {
  sent: number;
  bytesSent: number;
  bytesReceived: number;
  conflicts: Record<string, number>;
  /** Ops (or parts of ops) the server refused: kept here as refused changes. */
  refused: number;
  /**
   * The server refused the push because its history no longer holds this device's cursor (restored
   * from a backup, or another server): nothing was applied, the queue is as it was, and the pull
   * comes first (docs/protocol.md, Restores).
   */
  historyChanged: ResetReason | null;
}

/** The ops of a batch a whole-request VALIDATION_ERROR names (its issues' paths start `ops.<index>.`). */
function opsNamedBy(error: ErrorEnvelope, batch: readonly OutboxRow[]): OutboxRow[] {
  if (error.code !== 'VALIDATION_ERROR' || typeof error.details !== 'object' || error.details === null || !('issues' in error.details) || !Array.isArray(error.details.issues)) return [];
  const indexes = new Set<number>();
  const issues: unknown[] = error.details.issues;
  for (const issue of issues) {
    const match = typeof issue === 'object' && issue !== null && 'path' in issue && typeof issue.path === 'string' ? /^ops\.(\d+)\./.exec(issue.path) : null;
    if (match?.[1]) indexes.add(Number(match[1]));
  }
  return batch.filter((_op, index) => indexes.has(index));
}

/** Ops the server can never take as they are: failed, kept with the reason, until a person edits or discards them. */
async function keepInvalid(ctx: PushContext, ops: readonly OutboxRow[], error: ErrorEnvelope): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    for (const op of ops) {
      await trx.updateTable('outbox').set({ state: 'failed', attempts: op.attempts + 1, last_error: JSON.stringify(error) }).where('op_id', '=', op.op_id).execute();
      await refreshSyncState(trx, op.entity, op.record_id);
    }
  });
}

/** The server's refusal of a push whose cursor it no longer holds (push-service requireSameHistory). */
function historyChangeOf(error: ErrorEnvelope): ResetReason | null {
  if (error.code !== 'VERSION_CONFLICT' || typeof error.details !== 'object' || error.details === null || !('reason' in error.details)) return null;
  const reason = resetReasonSchema.safeParse(error.details.reason);
  return reason.success ? reason.data : null;
}

/** The records a batch's ops are on, as idsByEntity wants them. */
const recordsOf = (ops: readonly OutboxRow[]) => ops.map((op) => ({ entity: op.entity, id: op.record_id }));

/** The wire ops of a batch: record versions and bases read a chunk of records at a time, at send time. */
export async function toPushOps(ctx: Pick<PushContext, 'db'>, batch: readonly OutboxRow[]): Promise<PushOp[]> {
  const versions = new Map<string, number>();
  // By entity, so each lookup is a primary-key search (entity, id), never a scan of every record.
  for (const [entity, ids] of idsByEntity(recordsOf(batch))) {
    for (const chunk of inChunks(ids, idsPerStatement)) {
      for (const r of await ctx.db.selectFrom('records').select(['entity', 'id', 'version']).where('entity', '=', entity).where('id', 'in', chunk).execute()) versions.set(recordKey(r.entity, r.id), r.version);
    }
  }
  const bases = await basesOfRecords(ctx.db, recordsOf(batch));
  return batch.map((op) => {
    const key = recordKey(op.entity, op.record_id);
    const values = parseData(op.field_values);
    const patch: Patch = Object.fromEntries(
      Object.entries(values).map(([field, value]) => [field, { base: op.kind === 'create' ? null : (bases.get(key)?.[field] ?? null), value }]),
    );
    return {
      opId: op.op_id,
      entity: entityNameSchema.parse(op.entity),
      id: op.record_id,
      kind: op.kind,
      baseVersion: op.kind === 'create' ? 0 : (versions.get(key) ?? op.base_version),
      patch,
      priority: op.priority,
      clientTime: op.client_time,
      ...(op.resolves ? { resolves: op.resolves } : {}),
    };
  });
}

/** A batch marked in flight, with its wire ops read. */
interface PreparedBatch {
  ops: OutboxRow[];
  wire: PushOp[];
}

/** The next sendable batch, marked in flight so the next choice passes over its records; null when nothing is sendable. */
async function prepareBatch(ctx: PushContext, planner: PushPlanner, maxOps: number): Promise<PreparedBatch | null> {
  const ops = await planner.nextBatch(maxOps);
  if (ops.length === 0) return null;
  await ctx.db.updateTable('outbox').set({ state: 'in-flight' }).where('op_id', 'in', ops.map((op) => op.op_id)).execute();
  return { ops, wire: await toPushOps(ctx, ops) };
}

/** A prepared batch that was never sent goes back to the queue as it was, and the plan is made again to take it in its turn. */
async function release(ctx: PushContext, planner: PushPlanner, batch: PreparedBatch | null): Promise<void> {
  if (!batch) return;
  await ctx.db.updateTable('outbox').set({ state: 'pending' }).where('op_id', 'in', batch.ops.map((op) => op.op_id)).execute();
  planner.forget();
}

/**
 * Pushes until nothing sendable is left. A transport failure puts the batch back (NETWORK_ERROR
 * does not count as an attempt: a week offline must not fail ops) and ends the cycle with the error.
 *
 * Batches are pipelined, one request at a time: the next batch is chosen and read while the server
 * applies this one, and sent as soon as this one is answered, before this one is settled here. The
 * server still receives batch N+1 only after it has answered batch N, so it applies them in order.
 * Nothing in N+1 can depend on how N settles: a plan holds one op per record, and an op that
 * references a record created in N makes a new plan, in which it waits while that create is in
 * flight (push-plan.ts). Ops held back for that reason go in the batch chosen after N settled.
 */
export async function pushPending(ctx: PushContext, onProgress: (done: number, total: number) => void): Promise<PushOutcome> {
  const outcome: PushOutcome = { sent: 0, bytesSent: 0, bytesReceived: 0, conflicts: {}, refused: 0, historyChanged: null };
  const total = Number((await ctx.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).where('state', '=', 'pending').executeTakeFirstOrThrow()).n);
  let maxOps = ctx.maxOps;
  const planner = new PushPlanner(ctx);
  let answers = await answersToAsk(ctx.db);
  // The server checks that its history still holds what this device synced with, before it applies anything.
  const cursor = (await serverNamed(ctx.db, 'history-check')) ? await readSyncState(ctx.db, 'cursor') : null;
  const send = (batch: PreparedBatch) => {
    const request = ctx.auth.authorized((token) => ctx.api.push(token, { deviceId: ctx.deviceId, answers, ops: batch.wire, ...(cursor ? { cursor } : {}) }));
    // Awaited below, unless settling the batch before it fails and ends the cycle.
    request.catch(() => undefined);
    return { batch, request };
  };
  const sendNext = async () => {
    const batch = await prepareBatch(ctx, planner, maxOps);
    return batch && send(batch);
  };
  let sent = await sendNext();
  while (sent) {
    await letRequestLeave();
    const following = await prepareBatch(ctx, planner, maxOps);
    let response;
    try {
      response = await sent.request;
    } catch (error) {
      await release(ctx, planner, following);
      const envelope = error instanceof FieldlineError ? error.toEnvelope() : { code: 'NETWORK_ERROR' as const, message: String(error) };
      if (envelope.code === 'PAYLOAD_TOO_LARGE' && maxOps > 1) {
        await release(ctx, planner, sent.batch);
        maxOps = Math.max(1, Math.floor(maxOps / 2));
        sent = await sendNext();
        continue;
      }
      // The server refused the request for what some ops hold (the shared schemas: text it cannot
      // store): those ops are kept here as failed, with the reason; the rest go on without them.
      const invalid = opsNamedBy(envelope, sent.batch.ops);
      if (invalid.length > 0) {
        await keepInvalid(ctx, invalid, envelope);
        await release(ctx, planner, { ops: sent.batch.ops.filter((op) => !invalid.includes(op)), wire: [] });
        sent = await sendNext();
        continue;
      }
      const historyChanged = historyChangeOf(envelope);
      if (historyChanged) {
        await release(ctx, planner, sent.batch);
        outcome.historyChanged = historyChanged;
        return outcome;
      }
      if (envelope.code === 'VALIDATION_ERROR' && answers === 'as-sent') {
        // A server that named the feature and now rejects the request (restored from an older
        // version): ask it for records, in this cycle and until a pull names the feature again.
        await forgetServerFeatures(ctx.db);
        answers = 'records';
        await release(ctx, planner, sent.batch);
        sent = await sendNext();
        continue;
      }
      await putBack(ctx, sent.batch.ops, envelope);
      throw error;
    }
    const next = following && send(following);
    if (next) await letRequestLeave();
    outcome.bytesSent += response.bytesSent;
    outcome.bytesReceived += response.bytesReceived;
    await settleBatch(ctx, sent.batch, response.body.results, outcome);
    outcome.sent += sent.batch.ops.length;
    onProgress(Math.min(outcome.sent, total), Math.max(total, outcome.sent));
    sent = next ?? (await sendNext());
  }
  return outcome;
}

/** Settles an answered batch in one transaction. */
async function settleBatch(ctx: PushContext, sent: PreparedBatch, answers: readonly PushResult[], outcome: PushOutcome): Promise<void> {
  const nowIso = isoAt(ctx.clock);
  await ctx.db.transaction().execute(async (trx) => {
    await journalAcknowledged(trx, sent.wire, answers, nowIso);
    const inPlace = await settleAsSentInPlace(trx, sent.ops, sent.wire, answers, nowIso);
    const batch = sent.ops.filter((op) => !inPlace.has(op.op_id));
    const results = new Map((await withAsSentRecords(trx, sent.wire, answers.filter((answer) => !inPlace.has(answer.opId)))).map((r) => [r.opId, r]));
    const settled = await settlePlainResults(trx, batch, results, nowIso);
    for (const op of batch) {
      if (settled.has(op.op_id)) continue;
      const result = results.get(op.op_id);
      if (!result) {
        await trx.updateTable('outbox').set({ state: 'pending' }).where('op_id', '=', op.op_id).execute();
        continue;
      }
      const answer = await applyResult(trx, ctx, op, result, nowIso);
      if (answer.conflict) outcome.conflicts[answer.conflict] = (outcome.conflicts[answer.conflict] ?? 0) + 1;
      if (answer.refused) outcome.refused++;
    }
  });
}

/** What happened to an op: a replayed op's answer is the first one's. */
function outcomeOf(result: PushResult): 'applied' | 'conflict' | 'rejected' {
  return result.status === 'duplicate' ? (result.replayOf ?? 'applied') : result.status;
}

/**
 * The common case of a batch, in a few statements instead of several per op: an op applied as
 * sent, its record with nothing else queued and no open conflict. The record becomes the server's
 * state (exactly what settleRecord would write for it); everything else takes the per-op path.
 */
async function settlePlainResults(trx: ClientTrx, batch: readonly OutboxRow[], results: ReadonlyMap<string, PushResult>, nowIso: string): Promise<Set<string>> {
  const candidates = batch.filter((op) => {
    const result = results.get(op.op_id);
    if (!result?.record || result.version === undefined || result.conflict || result.deleted) return false;
    if (result.survivorId && result.survivorId !== op.record_id) return false;
    if (result.escalation) return false;
    return outcomeOf(result) === 'applied';
  });
  if (candidates.length === 0) return new Set();
  const busy = await recordsStillBusy(trx, candidates);
  for (const chunk of inChunks(candidates.map((op) => op.op_id), idsPerStatement)) await trx.deleteFrom('outbox').where('op_id', 'in', chunk).execute();
  const plain = candidates.filter((op) => !busy.has(recordKey(op.entity, op.record_id)));
  await deleteBasesOf(trx, recordsOf(plain));
  const changes: PulledChange[] = plain.flatMap((op) => {
    const result = results.get(op.op_id);
    return result?.record && result.version !== undefined ? [{ entity: entityNameSchema.parse(op.entity), id: op.record_id, op: 'upsert' as const, version: result.version, parsed: result.record }] : [];
  });
  await applyPlainChanges(trx, changes, nowIso);
  // The busy ones go the careful way; their op is gone already, which applyResult's delete tolerates.
  return new Set(plain.map((op) => op.op_id));
}

async function putBack(ctx: PushContext, batch: readonly OutboxRow[], error: ErrorEnvelope): Promise<void> {
  const counts = error.code !== 'NETWORK_ERROR' && error.code !== 'AUTH_ERROR';
  await ctx.db.transaction().execute(async (trx) => {
    for (const op of batch) {
      const attempts = counts ? op.attempts + 1 : op.attempts;
      const failed = attempts >= maxAttempts;
      await trx
        .updateTable('outbox')
        .set({
          state: failed ? 'failed' : 'pending',
          attempts,
          next_attempt_at: counts ? ctx.clock.now() + retryDelayMs(attempts, ctx.random) : 0,
          last_error: JSON.stringify(error),
        })
        .where('op_id', '=', op.op_id)
        .execute();
      if (failed) await refreshSyncState(trx, op.entity, op.record_id);
    }
  });
}

/** Settles one op's result: the conflict kind if there was one, and whether the server refused it (or a part of it) for good. */
async function applyResult(trx: ClientTrx, ctx: PushContext, op: OutboxRow, result: PushResult, nowIso: string): Promise<{ conflict: string | null; refused: boolean }> {
  const entity = entityNameSchema.parse(op.entity);
  const status = outcomeOf(result);
  if (status === 'rejected') return { conflict: null, refused: await keepRejected(trx, op, result, ctx.clock, ctx.random, nowIso) };
  await keepRefusedPart(trx, op, result, nowIso);
  await trx.deleteFrom('outbox').where('op_id', '=', op.op_id).execute();
  const conflict = result.conflict;
  if (result.survivorId && result.survivorId !== op.record_id) await rewriteRecordId(trx, op.entity, op.record_id, result.survivorId);
  const recordId = result.survivorId ?? op.record_id;
  if (conflict) {
    const local = conflictRow(op.entity, recordId, conflict.kind, conflict.fields, conflict.status === 'auto-resolved' ? 'auto-resolved' : 'open', 'push', conflict.id, nowIso);
    await trx.insertInto('conflicts').values(local).execute();
  }
  if (result.deleted && status === 'applied') {
    await removeLocally(trx, op.entity, op.record_id);
  } else if (result.deleted) {
    // update-delete: the record is gone on the server; keep the local one until a person decides.
    await trx.updateTable('outbox').set({ state: 'conflict' }).where('entity', '=', op.entity).where('record_id', '=', op.record_id).execute();
    await refreshSyncState(trx, op.entity, op.record_id);
  } else if (result.record && result.version !== undefined) {
    await settleRecord(trx, entity, recordId, result.record, result.version, nowIso);
  }
  return { conflict: conflict ? conflict.kind : null, refused: result.escalation !== undefined };
}

/** create-create: the server kept another record; everything here that named ours now names it. */
async function rewriteRecordId(trx: ClientTrx, entity: string, fromId: string, toId: string): Promise<void> {
  await trx.updateTable('outbox').set({ record_id: toId }).where('entity', '=', entity).where('record_id', '=', fromId).execute();
  await trx.deleteFrom('records').where('entity', '=', entity).where('id', '=', fromId).execute();
  await trx.deleteFrom('bases').where('entity', '=', entity).where('record_id', '=', fromId).execute();
  if (entity !== 'workOrder') return;
  const children = await trx.selectFrom('records').select(['entity', 'id', 'data']).where('work_order_id', '=', fromId).execute();
  for (const child of children) {
    const data = { ...parseData(child.data), workOrderId: toId };
    await trx.updateTable('records').set({ data: JSON.stringify(data), work_order_id: toId }).where('entity', '=', child.entity).where('id', '=', child.id).execute();
  }
  const ops = await trx
    .selectFrom('outbox')
    .selectAll()
    .where((eb) => eb.or([eb('field_values', 'like', `%${fromId}%`), eb('depends_on', 'like', `%${fromId}%`)]))
    .execute();
  for (const op of ops) {
    await trx
      .updateTable('outbox')
      .set({ field_values: op.field_values.split(fromId).join(toId), depends_on: op.depends_on.split(fromId).join(toId) })
      .where('op_id', '=', op.op_id)
      .execute();
  }
}
